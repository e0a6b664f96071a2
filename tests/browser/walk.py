"""Runs one browser walk (a *.test.mjs file here) for a browser test:
node with the test's settings in its environment and SCREENSHOTS (the
folder RXCA_SCREENSHOTS names, else one in the test's temporary
folder); the test fails unless the walk exits 0."""
import os

import harness

HERE = os.path.dirname(os.path.abspath(__file__))


def require_browser(test):
    """Fails test at once, before its set-up's cost, when the walks'
    npm packages are missing."""
    if not os.path.isdir(os.path.join(HERE, "node_modules",
                                      "playwright-core")):
        test.fail("tests/browser/node_modules is missing: "
                  "ops/rxca-dev test runs npm ci there")


def walk(test, script, timeout, **settings):
    """Runs script (a file name here) for at most timeout seconds with
    settings added to the environment; asserts that it passed; the
    walk's timing lines go to test-cache/timing/browser-<walk>.walk.txt.
    Returns the screenshots' folder (where a walk also leaves its files)."""
    shots = os.environ.get("RXCA_SCREENSHOTS",
                           os.path.join(test.tmp, "screenshots"))
    os.makedirs(shots, exist_ok=True)
    timing = os.path.join(harness.cache_dir(), "timing")
    os.makedirs(timing, exist_ok=True)
    env = dict(os.environ, SCREENSHOTS=shots, WALK_TIMING=os.path.join(
        timing, "browser-%s.txt" % script.replace(".test.mjs", ".walk")),
        **settings)
    proc = harness.run(["node", os.path.join(HERE, script)], env=env,
                       cwd=HERE, timeout=timeout)
    test.assertEqual(proc.returncode, 0, "%s failed" % script)
    return shots
