"""The console page at / in a real browser: Debian's headless Chromium, driven over the Chrome
DevTools Protocol (a WebSocket, with ws_client.py). The page on node 1 watches a prefix, PUTs
through its form, shows the change in its live stream, and node 2 receives the value.
Skipped only when no chromium is installed."""
import http.client, json, os, shutil, signal, subprocess, tempfile, time, unittest

from cluster import links_up
from harness import NodeTestCase, wait_until
from ws_client import WSClient

DEADLINE_S = 60  # generous: Chromium and two nodes on a loaded 2-core box
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")


class Browser:
    """One headless Chromium with its own profile dir; close() kills it and removes the dir."""

    def __init__(self):
        self.profile = tempfile.mkdtemp(prefix="p2p-chromium-")
        self.log = open(os.path.join(self.profile, "chromium.log"), "wb")
        self.proc = subprocess.Popen(
            [CHROMIUM, "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
             "--no-first-run", "--no-default-browser-check", "--disable-extensions",
             "--disable-background-networking", "--remote-debugging-port=0",
             f"--user-data-dir={self.profile}", "about:blank"],
            stdin=subprocess.DEVNULL, stdout=self.log, stderr=self.log, start_new_session=True)
        self.ws, self.next_id = None, 0

    def connect(self):
        """Waits for the DevTools port, then attaches to the page target."""
        port_file = os.path.join(self.profile, "DevToolsActivePort")

        def devtools_port():
            if self.proc.poll() is not None:
                raise AssertionError(f"chromium exited with {self.proc.returncode}: {self.log_tail()}")
            try:
                with open(port_file) as f:
                    lines = f.read().split()
                return int(lines[0]) if len(lines) >= 2 else None
            except (OSError, ValueError):
                return None

        port = wait_until(devtools_port, DEADLINE_S, 0.1, "chromium's DevToolsActivePort")

        def page_target():
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
            try:
                conn.request("GET", "/json/list")
                targets = json.loads(conn.getresponse().read())
            except (OSError, ValueError):
                return None
            finally:
                conn.close()
            return next((t for t in targets if t.get("type") == "page"), None)

        target = wait_until(page_target, DEADLINE_S, 0.1, "a page target")
        path = "/" + target["webSocketDebuggerUrl"].split("/", 3)[3]
        self.ws = WSClient("127.0.0.1", port, path=path, timeout=DEADLINE_S)

    def send(self, method, **params):
        """One CDP command -> its result (events in between are skipped)."""
        self.next_id += 1
        self.ws.send_json({"id": self.next_id, "method": method, "params": params})
        end = time.monotonic() + DEADLINE_S
        while True:
            msg = self.ws.recv_json(max(0.1, end - time.monotonic()))
            if msg.get("id") == self.next_id:
                if "error" in msg:
                    raise AssertionError(f"{method}: {msg['error']}")
                return msg.get("result", {})

    def js(self, expression):
        """Evaluates in the page -> the value (JSON-able); AssertionError on a JS exception."""
        out = self.send("Runtime.evaluate", expression=expression, returnByValue=True, awaitPromise=True)
        if "exceptionDetails" in out:
            raise AssertionError(f"JS failed: {expression!r}: {out['exceptionDetails']}")
        return out.get("result", {}).get("value")

    def text(self, element_id):
        return self.js(f"(document.getElementById({json.dumps(element_id)}) || {{}}).textContent || ''")

    def log_tail(self):
        try:
            with open(os.path.join(self.profile, "chromium.log"), "rb") as f:
                return f.read()[-2000:].decode("utf-8", "replace")
        except OSError:
            return ""

    def close(self):
        if self.ws:
            self.ws.close()
        if self.proc.poll() is None:
            try:
                os.killpg(self.proc.pid, signal.SIGKILL)  # its own session: every helper process
            except ProcessLookupError:
                pass
        self.proc.wait(timeout=30)
        self.log.close()
        shutil.rmtree(self.profile, ignore_errors=True)


@unittest.skipIf(CHROMIUM is None, "chromium is not installed (scripts/setup.sh installs it)")
class ConsoleTest(NodeTestCase):
    def test_put_through_the_page_streams_and_replicates(self):
        one = self.start_node("console1")
        two = self.start_node("console2", peers=[one.url])
        wait_until(lambda: links_up(one, 1) and links_up(two, 1), DEADLINE_S, 0.1, "the link up")
        browser = Browser()
        self.addCleanup(browser.close)
        browser.connect()
        browser.send("Page.navigate", url=one.url + "/")
        wait_until(lambda: browser.text("node-id") == one.id, DEADLINE_S, 0.1,
                   f"the page to show node id {one.id}")
        # The links table (refreshed every 2 s) shows the link to node 2.
        wait_until(lambda: browser.js(
            f"!!document.querySelector('#links-body tr[data-remote-id=\"{two.id}\"]')"),
            DEADLINE_S, 0.2, "the link to node 2 in the links table")

        browser.js("""(() => {
            const prefix = document.getElementById('stream-prefix');
            prefix.value = 'console/';
            prefix.dispatchEvent(new Event('input', {bubbles: true}));
            document.getElementById('stream-start').click();
        })()""")
        wait_until(lambda: browser.text("stream-status") == "live", DEADLINE_S, 0.1, "the stream live")

        value = {"from": "browser", "n": 42}
        browser.js(f"""(() => {{
            const path = document.getElementById('op-path'), text = document.getElementById('op-value');
            path.value = 'console/k1';
            path.dispatchEvent(new Event('input', {{bubbles: true}}));
            text.value = {json.dumps(json.dumps(value))};
            text.dispatchEvent(new Event('input', {{bubbles: true}}));
            document.getElementById('op-put').click();
        }})()""")
        wait_until(lambda: browser.text("op-status") == "PUT 200", DEADLINE_S, 0.1,
                   "the page's PUT answered 200")
        shown = wait_until(lambda: browser.js(
            "(document.querySelector('#stream-log li[data-path=\"console/k1\"]') || {}).textContent"),
            DEADLINE_S, 0.1, "the change in the live stream")
        self.assertIn('"from":"browser"', shown)
        wait_until(lambda: two.get("console/k1") == (200, value), DEADLINE_S, 0.1,
                   "node 2 to hold the value")
        # Metrics at a glance read /metrics: the write is counted.
        wait_until(lambda: browser.text("metric-writes") not in ("", "–", "0"), DEADLINE_S, 0.2,
                   "the writes metric")


if __name__ == "__main__":
    unittest.main()
