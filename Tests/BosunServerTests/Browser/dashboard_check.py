#!/usr/bin/env python3
"""Drives the dashboard in a real headless Chromium over the DevTools protocol.

Standard library only: a minimal WebSocket client speaks CDP to the page. The scenario is what
an operator does: open the dashboard (and be sent to sign in), sign in with a token, look at
the applications, open one, press Sync, and see the new sync appear in the history without
reloading. Prints one JSON object with what it saw; the Swift test asserts on it.

usage: dashboard_check.py CHROMIUM BASE_URL TOKEN APP ARTIFACT_DIR
"""
import base64
import json
import os
import shutil
import socket
import struct
import subprocess
import sys
import tempfile
import time
import urllib.request


class WebSocket:
    """Just enough of RFC 6455 for CDP: masked text frames out, (fragmented) frames in."""

    def __init__(self, url):
        assert url.startswith("ws://")
        hostport, path = url[5:].split("/", 1)
        host, port = hostport.split(":")
        self.sock = socket.create_connection((host, int(port)), timeout=60)
        key = base64.b64encode(os.urandom(16)).decode()
        self.sock.sendall((f"GET /{path} HTTP/1.1\r\nHost: {hostport}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                           f"Sec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n\r\n").encode())
        head = b""
        while b"\r\n\r\n" not in head:
            chunk = self.sock.recv(1)
            if not chunk:
                raise RuntimeError("DevTools closed the connection during the handshake")
            head += chunk
        if b" 101 " not in head.split(b"\r\n", 1)[0]:
            raise RuntimeError("DevTools refused the WebSocket: " + head.decode(errors="replace"))

    def _exactly(self, n):
        data = b""
        while len(data) < n:
            chunk = self.sock.recv(n - len(data))
            if not chunk:
                raise RuntimeError("DevTools closed the connection")
            data += chunk
        return data

    def send(self, text):
        payload = text.encode()
        header = bytearray([0x81])
        n = len(payload)
        if n < 126:
            header.append(0x80 | n)
        elif n < 65536:
            header.append(0x80 | 126)
            header += struct.pack(">H", n)
        else:
            header.append(0x80 | 127)
            header += struct.pack(">Q", n)
        mask = os.urandom(4)
        header += mask
        self.sock.sendall(bytes(header) + bytes(b ^ mask[i % 4] for i, b in enumerate(payload)))

    def receive(self):
        message = b""
        while True:
            b0, b1 = self._exactly(2)
            opcode, n = b0 & 0x0F, b1 & 0x7F
            if n == 126:
                n = struct.unpack(">H", self._exactly(2))[0]
            elif n == 127:
                n = struct.unpack(">Q", self._exactly(8))[0]
            payload = self._exactly(n)
            if opcode == 0x9:  # ping
                continue
            if opcode == 0x8:
                raise RuntimeError("DevTools closed the WebSocket")
            message += payload
            if b0 & 0x80:
                return message.decode()


class Page:
    def __init__(self, ws):
        self.ws = ws
        self.next_id = 0
        self.events = []

    def call(self, method, **params):
        self.next_id += 1
        self.ws.send(json.dumps({"id": self.next_id, "method": method, "params": params}))
        while True:
            message = json.loads(self.ws.receive())
            if message.get("id") == self.next_id:
                if "error" in message:
                    raise RuntimeError(f"{method}: {message['error']}")
                return message.get("result", {})
            self.events.append(message)

    def js(self, expression):
        result = self.call("Runtime.evaluate", expression=expression, returnByValue=True, awaitPromise=True)
        if "exceptionDetails" in result:
            raise RuntimeError(f"{expression}: {result['exceptionDetails']}")
        return result.get("result", {}).get("value")

    def wait(self, expression, timeout=30, what=None):
        deadline = time.time() + timeout
        while time.time() < deadline:
            try:
                value = self.js(expression)
                if value:
                    return value
            except RuntimeError:
                pass  # the page is navigating
            time.sleep(0.1)
        raise RuntimeError(f"timed out waiting for {what or expression}")

    def goto(self, url):
        self.call("Page.navigate", url=url)
        self.wait("document.readyState === 'complete' && location.href !== 'about:blank'", what=f"{url} to load")

    def press(self, selector):
        """A real mouse press and release in the middle of the element."""
        box = self.wait(f"(() => {{ const e = document.querySelector({json.dumps(selector)}); if (!e) return null;"
                        f" e.scrollIntoView({{block: 'center'}}); const r = e.getBoundingClientRect(); return [r.x + r.width / 2, r.y + r.height / 2]; }})()",
                        what=selector)
        for kind in ("mousePressed", "mouseReleased"):
            self.call("Input.dispatchMouseEvent", type=kind, x=box[0], y=box[1], button="left", clickCount=1)

    def screenshot(self, path):
        self.js("window.scrollTo(0, 0)")
        data = self.call("Page.captureScreenshot", format="png", captureBeyondViewport=True)["data"]
        with open(path, "wb") as f:
            f.write(base64.b64decode(data))
        return path


def main():
    chromium, base, token, app, artifacts = sys.argv[1:6]
    os.makedirs(artifacts, exist_ok=True)
    profile = tempfile.mkdtemp(prefix="bosun-chromium-")
    browser = subprocess.Popen(
        [chromium, "--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--no-first-run",
         "--no-default-browser-check", "--window-size=1280,1000", "--remote-debugging-port=0",
         f"--user-data-dir={profile}", "about:blank"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    seen = {}
    try:
        port_file = os.path.join(profile, "DevToolsActivePort")
        deadline = time.time() + 60
        while not (os.path.exists(port_file) and open(port_file).read().strip()):
            if time.time() > deadline or browser.poll() is not None:
                raise RuntimeError("Chromium did not open its DevTools port")
            time.sleep(0.1)
        port = open(port_file).read().split()[0]
        targets = json.load(urllib.request.urlopen(f"http://127.0.0.1:{port}/json/list"))
        page = Page(WebSocket(next(t for t in targets if t["type"] == "page")["webSocketDebuggerUrl"]))
        page.call("Page.enable")
        page.call("Runtime.enable")

        # Not signed in: sent to the sign-in page.
        page.goto(base + "/")
        seen["redirectedTo"] = page.js("location.pathname + location.search")
        page.js(f"document.getElementById('login-token').value = {json.dumps(token)}")
        page.press("#login-submit")
        page.wait("location.pathname === '/' && document.querySelector('#apps') !== null", what="the applications page")
        seen["signedInAs"] = page.js("document.querySelector('.who') && document.querySelector('.who').textContent")
        seen["apps"] = page.js("Array.from(document.querySelectorAll('#apps tr[data-app]')).map(r => ["
                               "r.dataset.app, r.querySelector('td.sync .badge').textContent, r.querySelector('td.health .badge').textContent,"
                               "r.querySelector('td.commit code').textContent])")
        page.screenshot(os.path.join(artifacts, "dashboard-applications.png"))

        # The application page; press Sync and watch the history grow by itself.
        page.press(f"#apps tr[data-app={json.dumps(app)}] a.app")
        page.wait(f"location.pathname === '/apps/{app}' && document.querySelector('#history') !== null", what="the application page")
        page.wait("document.getElementById('live').classList.contains('on')", what="the live event stream")
        seen["resources"] = page.js("Array.from(document.querySelectorAll('#resources tbody tr')).map(r => r.dataset.key)")
        seen["historyBefore"] = page.js("Array.from(document.querySelectorAll('#history details')).map(d => Number(d.dataset.sync))")
        before = max(seen["historyBefore"] or [0])
        page.js("window.bosunMarker = 'still the same page'")
        page.press("button[data-action=sync]")
        seen["toast"] = page.wait("(() => { const t = document.querySelector('#toast div'); return t && t.textContent; })()", what="the toast")
        page.wait(f"Array.from(document.querySelectorAll('#history details')).some(d => Number(d.dataset.sync) > {before} &&"
                  f" d.querySelector('summary .badge').textContent === 'Succeeded')", timeout=60, what="the new sync in the history")
        seen["historyAfter"] = page.js("Array.from(document.querySelectorAll('#history details')).map(d => [Number(d.dataset.sync),"
                                       " d.querySelector('summary .badge').textContent])")
        # The history grew without a reload: the page (and its marker) is the one Sync was pressed on.
        seen["samePage"] = page.js("window.bosunMarker === 'still the same page'")
        # Open the newest sync's details, as a person checking what it did would.
        page.press("#history details:first-child summary")
        seen["detailRows"] = page.wait("(() => { const d = document.querySelector('#history details[open]');"
                                       " return d && Array.from(d.querySelectorAll('table.results tbody tr td code')).map(c => c.textContent); })()",
                                       what="the sync's details")
        seen["screenshot"] = page.screenshot(os.path.join(artifacts, "dashboard-application.png"))
    except Exception as error:  # report what was seen so far, and why it stopped
        seen["error"] = str(error)
    finally:
        browser.terminate()
        try:
            browser.wait(timeout=10)
        except subprocess.TimeoutExpired:
            browser.kill()
        shutil.rmtree(profile, ignore_errors=True)
    print(json.dumps(seen))


if __name__ == "__main__":
    main()
