"""Runs one browser walk (a *.test.mjs file here) for a browser test:
node with the test's settings in its environment and SCREENSHOTS (the
folder RXCA_SCREENSHOTS names, else one in the test's temporary
folder); the test fails unless the walk exits 0.  A test class that
derives from Walked starts its walk's node, and with it Chromium, as its
set-up begins: they start while the stack does, and the walk waits for
its settings (lib.mjs, WALK_SETTINGS)."""
import json
import os
import subprocess

import harness

HERE = os.path.dirname(os.path.abspath(__file__))


def require_browser(test):
    """Fails test at once, before its set-up's cost, when the walks'
    npm packages are missing."""
    if not browser_installed():
        test.fail("tests/browser/node_modules is missing: "
                  "ops/rxca-dev test runs npm ci there")


def browser_installed():
    return os.path.isdir(os.path.join(HERE, "node_modules",
                                      "playwright-core"))


def start(test, script):
    """node script, started now for test: it starts Chromium and waits
    for its settings on its standard input (walk() gives them).  Stopped
    by the test's cleanup if it is still running."""
    proc = harness.popen(["node", os.path.join(HERE, script)],
                         env=dict(os.environ, WALK_SETTINGS="stdin"),
                         stdin=subprocess.PIPE, cwd=HERE)

    def stop():
        if proc.poll() is None:
            proc.terminate()
            try:
                proc.wait(10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
        if proc.stdin and not proc.stdin.closed:
            proc.stdin.close()
    test.addCleanup(stop)
    test.walks = getattr(test, "walks", {})
    test.walks[script] = proc
    return proc


class Walked:
    """A browser test's mixin (before harness.TestCase among its bases):
    its setUp() starts the walk of the class's walk_script (start())
    before the rest of the set-up, where the walk's packages are
    installed."""

    walk_script = None

    def setUp(self):
        if self.walk_script and browser_installed():
            start(self, self.walk_script)
        super().setUp()


def walk(test, script, timeout, **settings):
    """Runs script (a file name here) for at most timeout seconds with
    settings added to the environment (sent to the node that start()
    started for test, if any, else to a new one); asserts that it
    passed; the walk's timing lines go to test-cache/timing/
    browser-<walk>.walk.txt.  Returns the screenshots' folder (where a walk also leaves
    its files)."""
    shots = os.environ.get("RXCA_SCREENSHOTS",
                           os.path.join(test.tmp, "screenshots"))
    os.makedirs(shots, exist_ok=True)
    timing = os.path.join(harness.cache_dir(), "timing")
    os.makedirs(timing, exist_ok=True)
    settings = dict(settings, SCREENSHOTS=shots, WALK_TIMING=os.path.join(
        timing, "browser-%s.txt" % script.replace(".test.mjs", ".walk")))
    proc = getattr(test, "walks", {}).pop(script, None)
    if proc is None:
        proc = harness.run(["node", os.path.join(HERE, script)],
                           env=dict(os.environ, **settings), cwd=HERE,
                           timeout=timeout)
    else:
        try:
            proc.stdin.write(json.dumps(settings).encode())
            proc.stdin.close()
        except BrokenPipeError:
            pass  # node ended already: its exit code says why
        try:
            proc.wait(timeout)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
            raise
    test.assertEqual(proc.returncode, 0, "%s failed" % script)
    return shots
