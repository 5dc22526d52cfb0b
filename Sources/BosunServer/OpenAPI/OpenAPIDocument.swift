/// `GET /api/v1/openapi.yaml`: the HTTP contract of `bosun serve`. A test checks that every
/// route the server registers is here and every operation here answers as documented.
enum OpenAPIDocument {
    /// The error answers of one operation, each `{"error": {"code", "message"}}` (409: the
    /// `Conflict` response), as YAML lines at the indentation of an operation's responses.
    static func errors(_ codes: Int...) -> String {
        codes.map { "\"\($0)\": { $ref: \"#/components/responses/\($0 == 409 ? "Conflict" : "Error")\" }" }
            .joined(separator: "\n" + String(repeating: " ", count: 8))
    }

    static let yaml = #"""
        openapi: 3.0.3
        info:
          title: Bosun API
          version: "1"
          description: |
            The HTTP API of `bosun serve`: applications, syncs, history, events, webhooks, metrics.
            Send `Authorization: Bearer <token>`; tokens live in `server.tokens` with a role:
            viewer reads, operator also syncs, rolls back, terminates, pins, unpins and refreshes, admin may do
            everything. With no tokens configured the server listens on loopback only and allows
            every request. Every error is `{"error": {"code", "message"}}`.
        servers:
          - url: /
        security:
          - bearer: []
        tags:
          - name: applications
          - name: events
          - name: applicationsets
            description: applications generated from folders, files and lists, and files of applications read from Git
          - name: operations
            description: probes, metrics and webhooks (no API token)
          - name: dashboard
            description: the HTML dashboard (signs in with a cookie holding the token)
        paths:
          /healthz:
            get:
              tags: [operations]
              summary: "Liveness: the process answers."
              security: []
              responses:
                "200": { description: ok, content: { text/plain: { schema: { type: string } } } }
          /readyz:
            get:
              tags: [operations]
              summary: "Readiness: the engine runs and the store answers."
              security: []
              responses:
                "200": { description: ready, content: { text/plain: { schema: { type: string } } } }
                "503": { description: not ready yet, content: { text/plain: { schema: { type: string } } } }
          /metrics:
            get:
              tags: [operations]
              summary: Prometheus metrics (text exposition format 0.0.4).
              security: []
              responses:
                "200": { description: metrics, content: { text/plain: { schema: { type: string } } } }
          /hooks/{provider}:
            post:
              tags: [operations]
              summary: A Git host's push webhook; refreshes the applications reading the pushed repository and ref.
              description: |
                Signed with the secret in the environment variable named by `repositories[].webhook.secretEnv`:
                github `X-Hub-Signature-256: sha256=<hmac>`, gitlab `X-Gitlab-Token`, gitea `X-Gitea-Signature: <hmac>`,
                bitbucket `X-Hub-Signature: sha256=<hmac>`, generic `X-Signature: sha256=<hmac>` with body
                `{"repository": URL, "ref": "refs/heads/main"}`. A delivery id seen in the last 5 minutes is ignored.
              security: []
              parameters:
                - { name: provider, in: path, required: true, schema: { type: string, enum: [github, gitlab, gitea, bitbucket, generic] } }
              requestBody:
                required: true
                content: { application/json: { schema: { type: object } } }
              responses:
                "200": { description: "ping, ignored event or repeated delivery", content: { application/json: { schema: { $ref: "#/components/schemas/WebhookAnswer" } } } }
                "202": { description: push accepted; applications refreshing, content: { application/json: { schema: { $ref: "#/components/schemas/WebhookAnswer" } } } }
                \#(errors(400))
                "401": { description: missing or wrong signature (nothing else is said) }
                \#(errors(404, 413))
          /api/v1/openapi.yaml:
            get:
              tags: [applications]
              summary: This document.
              security: []
              responses:
                "200": { description: the OpenAPI document, content: { application/yaml: { schema: { type: string } } } }
          /api/v1/applications:
            get:
              tags: [applications]
              summary: Every application with its sync and health (as `bosun apps -o json`).
              responses:
                "200": { description: applications, content: { application/json: { schema: { type: array, items: { $ref: "#/components/schemas/ApplicationSummary" } } } } }
                \#(errors(401))
          /api/v1/applications/{name}:
            get:
              tags: [applications]
              summary: One application (as `bosun status APP -o json`).
              parameters: [{ $ref: "#/components/parameters/name" }]
              responses:
                "200": { description: the application, content: { application/json: { schema: { $ref: "#/components/schemas/ApplicationStatus" } } } }
                \#(errors(401, 404))
          /api/v1/applications/{name}/resources:
            get:
              tags: [applications]
              summary: The application's resources with their sync and health.
              parameters: [{ $ref: "#/components/parameters/name" }]
              responses:
                "200": { description: resources, content: { application/json: { schema: { type: array, items: { $ref: "#/components/schemas/ResourceStatus" } } } } }
                \#(errors(401, 404))
          /api/v1/applications/{name}/diff:
            get:
              tags: [applications]
              summary: Desired against live, three-way, as of now (Secret values masked).
              parameters:
                - { $ref: "#/components/parameters/name" }
                - { name: serverSide, in: query, required: false, description: "true: dry-run each change through the target (Kubernetes server-side dry run) and compare what the server would hold with live", schema: { type: boolean } }
              responses:
                "200": { description: the changed resources and the unified diff, content: { application/json: { schema: { $ref: "#/components/schemas/Diff" } } } }
                \#(errors(400, 401, 404, 422, 503))
          /api/v1/applications/{name}/history:
            get:
              tags: [applications]
              summary: Syncs, newest first.
              parameters:
                - { $ref: "#/components/parameters/name" }
                - { name: limit, in: query, schema: { type: integer, minimum: 1, maximum: 1000, default: 100 } }
              responses:
                "200": { description: syncs, content: { application/json: { schema: { type: array, items: { $ref: "#/components/schemas/SyncSummary" } } } } }
                \#(errors(400, 401, 404))
          /api/v1/applications/{name}/history/{id}:
            get:
              tags: [applications]
              summary: One sync with its per-resource results and the diff it applied.
              parameters:
                - { $ref: "#/components/parameters/name" }
                - { name: id, in: path, required: true, schema: { type: integer, format: int64 } }
              responses:
                "200": { description: the sync, content: { application/json: { schema: { $ref: "#/components/schemas/SyncDetail" } } } }
                \#(errors(400, 401, 404))
          /api/v1/applications/{name}/sync:
            post:
              tags: [applications]
              summary: Start a sync (operator). With dryRun, show the plan and diff and apply nothing.
              parameters: [{ $ref: "#/components/parameters/name" }]
              requestBody:
                content:
                  application/json:
                    schema:
                      type: object
                      additionalProperties: false
                      properties:
                        revision: { type: string, minLength: 1, description: "a branch, tag or commit; a chart version or range; or a combined source revision from history (default: what the application tracks)" }
                        dryRun: { type: boolean }
                        prune: { type: boolean, description: delete what Git no longer declares }
                        forcePrune: { type: boolean, description: prune past maxPrunePercent or an empty render; implies prune }
              responses:
                "200": { description: dry run result, content: { application/json: { schema: { type: object } } } }
                "202": { description: sync started, content: { application/json: { schema: { $ref: "#/components/schemas/SyncStarted" } } } }
                \#(errors(400, 401, 403, 404, 409, 413, 422, 503))
          /api/v1/applications/{name}/rollback:
            post:
              tags: [applications]
              summary: Sync an earlier commit and pin there (operator).
              parameters: [{ $ref: "#/components/parameters/name" }]
              requestBody:
                content:
                  application/json:
                    schema:
                      type: object
                      additionalProperties: false
                      properties:
                        to: { type: string, minLength: 1, description: "a history id (every source's recorded revision is restored) or a revision: a commit, a chart version, or a combined source revision (default: the last good sync before the current one)" }
              responses:
                "202": { description: rollback sync started, content: { application/json: { schema: { $ref: "#/components/schemas/SyncStarted" } } } }
                \#(errors(400, 401, 403, 404, 409, 413, 422, 503))
          /api/v1/applications/{name}/terminate:
            post:
              tags: [applications]
              summary: >-
                Stop the running sync between two steps (operator). It is recorded as Terminated,
                runs no SyncFail hook, is not retried and never triggers auto-rollback.
              parameters: [{ $ref: "#/components/parameters/name" }]
              responses:
                "202": { description: the sync asked to stop, content: { application/json: { schema: { $ref: "#/components/schemas/SyncStarted" } } } }
                \#(errors(400, 401, 403, 404, 413))
          /api/v1/applications/{name}/pin:
            post:
              tags: [applications]
              summary: "Pause automatic syncs at a commit (operator; default: the synced one)."
              parameters: [{ $ref: "#/components/parameters/name" }]
              requestBody:
                content:
                  application/json:
                    schema: { type: object, additionalProperties: false, properties: { revision: { type: string, minLength: 1 } } }
              responses:
                "200": { description: the application, content: { application/json: { schema: { $ref: "#/components/schemas/ApplicationStatus" } } } }
                \#(errors(400, 401, 403, 404, 413, 422))
          /api/v1/applications/{name}/unpin:
            post:
              tags: [applications]
              summary: Resume automatic syncs (operator).
              parameters: [{ $ref: "#/components/parameters/name" }]
              responses:
                "200": { description: the application, content: { application/json: { schema: { $ref: "#/components/schemas/ApplicationStatus" } } } }
                \#(errors(400, 401, 403, 404, 413))
          /api/v1/applications/{name}/refresh:
            post:
              tags: [applications]
              summary: Fetch Git and compare now (operator).
              parameters: [{ $ref: "#/components/parameters/name" }]
              responses:
                "202": { description: refresh queued; the application as it stands, content: { application/json: { schema: { $ref: "#/components/schemas/ApplicationStatus" } } } }
                \#(errors(400, 401, 403, 404, 413))
          /api/v1/events:
            get:
              tags: [events]
              summary: Recent events, newest first.
              parameters:
                - { name: app, in: query, schema: { type: string } }
                - { name: limit, in: query, schema: { type: integer, minimum: 1, maximum: 1000, default: 100 } }
              responses:
                "200": { description: events, content: { application/json: { schema: { type: array, items: { $ref: "#/components/schemas/Event" } } } } }
                \#(errors(400, 401, 404))
          /api/v1/events/stream:
            get:
              tags: [events]
              summary: Events as server-sent events, one `data:` JSON Event each, with keep-alive comments.
              description: Send `Last-Event-ID` to receive what was missed since that id.
              parameters:
                - { name: app, in: query, schema: { type: string } }
                - { name: Last-Event-ID, in: header, schema: { type: integer } }
              responses:
                "200":
                  description: the stream
                  content:
                    text/event-stream:
                      schema:
                        description: one server-sent event; `data` is an Event as JSON
                        type: object
                        required: [data]
                        properties:
                          data: { type: string }
                          id: { type: string }
                          event: { type: string }
                \#(errors(400, 401, 404))
          /api/v1/applicationsets:
            get:
              tags: [applicationsets]
              summary: Every application set with its generators' last results and conditions (as `bosun appsets -o json`).
              responses:
                "200": { description: application sets, content: { application/json: { schema: { type: array, items: { $ref: "#/components/schemas/ApplicationSet" } } } } }
                \#(errors(401))
          /api/v1/applicationsets/{name}:
            get:
              tags: [applicationsets]
              summary: One application set.
              parameters: [{ name: name, in: path, required: true, schema: { type: string }, description: the application set }]
              responses:
                "200": { description: the application set, content: { application/json: { schema: { $ref: "#/components/schemas/ApplicationSet" } } } }
                \#(errors(401, 404))
          /api/v1/applicationsets/{name}/sync:
            post:
              tags: [applicationsets]
              summary: Fetch the set's repositories now, list and generate again (operator); `forceDelete` removes applications beyond `maxDeletePercent`.
              parameters: [{ name: name, in: path, required: true, schema: { type: string }, description: the application set }]
              requestBody:
                required: false
                content: { application/json: { schema: { type: object, additionalProperties: false, properties: { forceDelete: { type: boolean } } } } }
              responses:
                "200": { description: the application set after listing, content: { application/json: { schema: { $ref: "#/components/schemas/ApplicationSet" } } } }
                \#(errors(400, 401, 403, 404, 413))
          /api/v1/includes:
            get:
              tags: [applicationsets]
              summary: Every `include:` entry with the files in force, the commit they were read at, and its condition (ConfigInvalid, SourceUnavailable).
              responses:
                "200": { description: includes, content: { application/json: { schema: { type: array, items: { $ref: "#/components/schemas/Include" } } } } }
                \#(errors(401))
          /api/v1/replicas:
            get:
              tags: [operations]
              summary: The replicas sharing this Bosun's PostgreSQL store, their heartbeats and the applications they hold (an empty list when Bosun runs alone on SQLite).
              responses:
                "200": { description: replicas, content: { application/json: { schema: { $ref: "#/components/schemas/Replicas" } } } }
                \#(errors(401, 503))
          /api/v1/reload:
            post:
              tags: [operations]
              summary: Reload the config file now (admin).
              responses:
                "200": { description: reloaded, content: { application/json: { schema: { type: object, properties: { file: { type: string }, applications: { type: array, items: { type: string } } } } } } }
                \#(errors(400, 401, 403, 409, 413, 422))
          /:
            get:
              tags: [dashboard]
              security: [{ session: [] }, { bearer: [] }]
              summary: "Dashboard: the applications."
              responses:
                "200": { $ref: "#/components/responses/Page" }
                "303": { description: not signed in; to /login }
          /apps/{name}:
            get:
              tags: [dashboard]
              security: [{ session: [] }, { bearer: [] }]
              summary: "Dashboard: one application (resources, live diff, history, events)."
              parameters: [{ $ref: "#/components/parameters/name" }]
              responses:
                "200": { $ref: "#/components/responses/Page" }
                "303": { description: not signed in; to /login }
                "404": { $ref: "#/components/responses/Page" }
          /apps/{name}/syncs/{id}:
            get:
              tags: [dashboard]
              security: [{ session: [] }, { bearer: [] }]
              summary: "Dashboard: one sync in full."
              parameters:
                - { $ref: "#/components/parameters/name" }
                - { name: id, in: path, required: true, schema: { type: integer, format: int64 } }
              responses:
                "200": { $ref: "#/components/responses/Page" }
                "303": { description: not signed in; to /login }
                "404": { $ref: "#/components/responses/Page" }
          /login:
            get:
              tags: [dashboard]
              summary: "Dashboard: the sign-in page."
              security: []
              responses:
                "200": { $ref: "#/components/responses/Page" }
            post:
              tags: [dashboard]
              summary: "Dashboard: sign in with a token (form fields token, next); sets the session cookie."
              security: []
              requestBody:
                content:
                  application/x-www-form-urlencoded:
                    schema: { type: object, properties: { token: { type: string }, next: { type: string } } }
              responses:
                "303": { description: signed in; to next }
                "401": { $ref: "#/components/responses/Page" }
          /logout:
            post:
              tags: [dashboard]
              summary: "Dashboard: sign out (clears the cookie)."
              security: []
              responses:
                "303": { description: signed out; to /login }
          /assets/bosun.css:
            get:
              tags: [dashboard]
              summary: The dashboard's stylesheet.
              security: []
              responses:
                "200": { description: CSS, content: { text/css: { schema: { type: string } } } }
          /assets/bosun.js:
            get:
              tags: [dashboard]
              summary: The dashboard's script.
              security: []
              responses:
                "200": { description: JavaScript, content: { text/javascript: { schema: { type: string } } } }
          /favicon.ico:
            get:
              tags: [dashboard]
              summary: The icon (SVG).
              security: []
              responses:
                "200": { description: SVG, content: { image/svg+xml: { schema: { type: string } } } }
        components:
          securitySchemes:
            bearer: { type: http, scheme: bearer }
            session: { type: apiKey, in: cookie, name: bosun_token, description: "the token, set by POST /login" }
          parameters:
            name: { name: name, in: path, required: true, schema: { type: string }, description: the application }
          responses:
            Error:
              description: an error
              content: { application/json: { schema: { $ref: "#/components/schemas/Error" } } }
            Conflict:
              description: "the request conflicts with the current state: a sync of this application is running (`error.syncId` names it), or there is nothing to roll back to"
              content: { application/json: { schema: { $ref: "#/components/schemas/Error" } } }
            Page:
              description: an HTML page
              content: { text/html: { schema: { type: string } } }
          schemas:
            Error:
              type: object
              required: [error]
              properties:
                error:
                  type: object
                  required: [code, message]
                  properties:
                    code: { type: string }
                    message: { type: string }
                    syncId: { type: integer, format: int64 }
            SyncStarted:
              type: object
              required: [id]
              properties: { id: { type: integer, format: int64 } }
            WebhookAnswer:
              type: object
              properties:
                event: { type: string }
                delivery: { type: string }
                applications: { type: array, items: { type: string } }
                coalesced: { type: array, items: { type: string } }
                message: { type: string }
            SyncInfo:
              type: object
              required: [status, revision]
              properties:
                status: { type: string, enum: [Synced, OutOfSync, Unknown] }
                revision: { type: string }
                targetRevision: { type: string }
            Health:
              type: object
              required: [status]
              properties:
                status: { type: string, enum: [Healthy, Progressing, Degraded, Suspended, Missing, Unknown] }
                message: { type: string }
            Replicas:
              type: object
              required: [replicas]
              properties:
                replica: { type: string, nullable: true, description: the replica that answered; null when Bosun runs alone }
                leaseDuration: { type: string, nullable: true }
                replicas:
                  type: array
                  items:
                    type: object
                    required: [name, heartbeatAt, startedAt, alive, applications, configHash, apiURL]
                    properties:
                      name: { type: string }
                      heartbeatAt: { type: string, format: date-time }
                      startedAt: { type: string, format: date-time }
                      alive: { type: boolean, description: its heartbeat is newer than one lease duration (by the database's clock) }
                      applications: { type: array, items: { type: string }, description: the applications whose leases it holds }
                      configHash: { type: string, description: a digest of the shared configuration; replicas that differ are reported }
                      apiURL: { type: string }
            ApplicationSummary:
              type: object
              required: [name, target, sync, health, pinned]
              properties:
                name: { type: string }
                target: { type: string }
                sync: { $ref: "#/components/schemas/SyncInfo" }
                health: { $ref: "#/components/schemas/Health" }
                pinned: { type: boolean }
                subject: { type: string }
                applicationSet: { type: string, description: the application set that generates it (absent for a listed application) }
                replica: { type: string, description: the replica that owns it when Bosun runs as replicas on PostgreSQL (absent otherwise and while no replica owns it) }
            ResourceStatus:
              type: object
              required: [key, sync, health, kind, namespace, name]
              properties:
                key: { type: string, description: group/kind/namespace/name }
                sync: { type: string, enum: [Synced, OutOfSync, Unknown] }
                health: { $ref: "#/components/schemas/Health" }
                kind: { type: string }
                namespace: { type: string }
                name: { type: string }
            SourceRevision:
              type: object
              description: one source's part of what an application is synced to
              required: [repository, revision]
              properties:
                repository: { type: string }
                revision: { type: string, description: "a full commit SHA (Git), or <chart>@<version> (chart repository, OCI)" }
                digest: { type: string, description: "sha256:<hex> of the chart archive (charts only)" }
            SyncSummary:
              type: object
              required: [id, revision, result, trigger, startedAt, message]
              properties:
                id: { type: integer, format: int64 }
                revision:
                  type: string
                  description: "the source revision: a commit SHA for a Git-only application; <chart>@<version> for a chart; every source's revision joined by commas (the application's own first) when values come from other repositories"
                sources:
                  type: array
                  description: every source's revision; absent for Git-only applications
                  items: { $ref: "#/components/schemas/SourceRevision" }
                result: { type: string, enum: [Running, Succeeded, Failed, Interrupted, Terminated] }
                trigger: { type: string, enum: [interval, webhook, manual, config, selfHeal, rollback, autoRollback] }
                startedAt: { type: string, format: date-time }
                finishedAt: { type: string, format: date-time }
                message: { type: string }
                author: { type: string }
                subject: { type: string }
            SyncDetail:
              type: object
              required: [sync, resources, diff]
              properties:
                sync: { $ref: "#/components/schemas/SyncSummary" }
                resources:
                  type: array
                  items:
                    type: object
                    properties:
                      key: { type: string }
                      action: { type: string }
                      result: { type: string }
                      message: { type: string }
                      wave: { type: integer }
                      phase: { type: string }
                diff: { type: string }
            ApplicationStatus:
              type: object
              required: [name, target, sync, health, pinned, resources, autoSync, repository, path, revisionSpec]
              properties:
                name: { type: string }
                target: { type: string }
                sync: { $ref: "#/components/schemas/SyncInfo" }
                health: { $ref: "#/components/schemas/Health" }
                pinned: { type: boolean }
                pinnedRevision: { type: string }
                resources: { type: array, items: { $ref: "#/components/schemas/ResourceStatus" } }
                lastSync: { $ref: "#/components/schemas/SyncSummary" }
                commit:
                  type: object
                  properties:
                    sha: { type: string, description: "the commit SHA, or the source revision of a chart application" }
                    author: { type: string }
                    date: { type: string, format: date-time }
                    subject: { type: string }
                    sources: { type: array, items: { $ref: "#/components/schemas/SourceRevision" }, description: absent for Git-only applications }
                condition:
                  type: object
                  properties: { type: { type: string }, message: { type: string }, revision: { type: string } }
                operation:
                  type: object
                  properties:
                    syncID: { type: integer, format: int64 }
                    phase: { type: string }
                    wave: { type: integer }
                    done: { type: integer }
                    total: { type: integer }
                    message: { type: string }
                autoSync: { type: boolean }
                repository: { type: string }
                path: { type: string }
                revisionSpec: { type: string }
                applicationSet: { type: string, description: the application set that generates it (absent for a listed application) }
                replica: { type: string, description: the replica that owns it when Bosun runs as replicas on PostgreSQL (absent otherwise and while no replica owns it) }
            Condition:
              type: object
              required: [type, message]
              properties: { type: { type: string }, message: { type: string }, revision: { type: string } }
            Generator:
              type: object
              required: [type]
              properties:
                type: { type: string, enum: [directories, files, list, matrix] }
                repository: { type: string }
                revision: { type: string }
                include: { type: array, items: { type: string } }
                exclude: { type: array, items: { type: string } }
                result:
                  type: object
                  description: the last good listing
                  required: [entries]
                  properties: { commit: { type: string }, entries: { type: integer }, listedAt: { type: string, format: date-time } }
                condition: { $ref: "#/components/schemas/Condition" }
                generators: { type: array, items: { $ref: "#/components/schemas/Generator" }, description: the generators a matrix combines }
            ApplicationSet:
              type: object
              required: [name, origin, generators, applications, maxApplications, maxDeletePercent, deleteApplications]
              properties:
                name: { type: string }
                origin: { type: string, description: "where it is declared: file:line:column, and the repository and commit for a file in Git" }
                generators: { type: array, items: { $ref: "#/components/schemas/Generator" } }
                applications: { type: array, items: { type: string } }
                maxApplications: { type: integer }
                maxDeletePercent: { type: integer }
                deleteApplications: { type: boolean }
                condition: { $ref: "#/components/schemas/Condition", description: "GeneratorFailed or DeleteRefused while the last listing is not applied" }
                generatedAt: { type: string, format: date-time }
            Include:
              type: object
              required: [repository, revision, path, files]
              properties:
                repository: { type: string }
                revision: { type: string }
                path: { type: string }
                commit: { type: string }
                files:
                  type: array
                  items:
                    type: object
                    properties:
                      path: { type: string }
                      applications: { type: array, items: { type: string } }
                      applicationSets: { type: array, items: { type: string } }
                      healthRules: { type: array, items: { type: string }, description: "kinds it declares health rules for, as group/Kind (/Kind for the core group)" }
                condition: { $ref: "#/components/schemas/Condition" }
            Diff:
              type: object
              required: [resources, diff]
              properties:
                resources:
                  type: array
                  items:
                    type: object
                    required: [key, action, changedPaths]
                    properties:
                      key: { type: string }
                      action: { type: string, enum: [create, update, delete, unchanged] }
                      changedPaths: { type: array, items: { type: string } }
                      preview: { type: string, description: "the target's own plan of the change (Nomad), when it gives one" }
                diff: { type: string }
            Event:
              type: object
              required: [id, time, type, reason, message]
              properties:
                id: { type: integer, format: int64 }
                time: { type: string, format: date-time }
                app: { type: string }
                type: { type: string, enum: [Normal, Warning] }
                reason: { type: string }
                message: { type: string }
        """#
}
