/// Python lines that end a test server once the process that started it is gone (a crashed or
/// killed test run): left running it keeps its port and, through any inherited descriptor, the
/// test run's output open, so `swift test` would never finish.
public enum TestServerScript {
    public static let exitsWithItsParent = """
        import os as _os, threading as _threading, time as _time
        _parent = _os.getppid()
        def _watch_parent():
            while _os.getppid() == _parent:
                _time.sleep(1)
            _os._exit(0)
        _threading.Thread(target=_watch_parent, daemon=True).start()
        """
}
