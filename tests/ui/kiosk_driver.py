"""Drives the `outpost` kiosk window under Xvfb for the UI tests and the demo tour.

Starts a private Xvfb display and `outpost --windowed 1920x1080 --test-hook FILE
--screenshot-dir DIR`, sends keys with xdotool and waits (with a timeout) for the
test hook to show an expected screen. The hook has one JSON line per drawn frame
(docs/design.md, "Kiosk UI"). Nothing here sleeps for a fixed time.
"""

import base64
import json
import os
import shutil
import signal
import subprocess
import tempfile
import time

FHIR_TRANSLATION = "http://hl7.org/fhir/StructureDefinition/translation"

DAMM = [
    [0, 3, 1, 7, 5, 9, 8, 6, 4, 2], [7, 0, 9, 2, 1, 5, 4, 8, 6, 3],
    [4, 2, 0, 6, 8, 7, 1, 3, 5, 9], [1, 7, 5, 0, 9, 8, 3, 4, 2, 6],
    [6, 1, 2, 3, 0, 4, 5, 9, 7, 8], [3, 6, 7, 4, 2, 0, 9, 5, 8, 1],
    [5, 8, 6, 9, 7, 2, 0, 1, 3, 4], [8, 9, 4, 5, 3, 6, 2, 0, 1, 7],
    [9, 4, 3, 8, 6, 1, 7, 2, 0, 5], [2, 5, 8, 1, 4, 3, 6, 7, 9, 0],
]


def patient_code(eight_digits):
    """Eight digits plus their Damm check digit (docs/design.md, "Patient codes")."""
    interim = 0
    for d in eight_digits:
        interim = DAMM[interim][int(d)]
    return eight_digits + str(interim)


def clinic_config():
    """A [clinic] table with a fresh X25519 sealing key, so submits go through
    the real outbox (the private half is thrown away: nothing can open them)."""
    der = subprocess.run("openssl genpkey -algorithm X25519 | openssl pkey -pubout -outform DER",
                         shell=True, check=True, capture_output=True).stdout
    return f'\n[clinic]\nsealing_public_key = "{base64.b64encode(der[-32:]).decode()}"\n'


def translated(element, field, lang):
    """A FHIR string field in `lang` via the translation extension, else the base text."""
    for ext in element.get("_" + field, {}).get("extension", []):
        if ext.get("url") != FHIR_TRANSLATION:
            continue
        parts = {e["url"]: e for e in ext.get("extension", [])}
        if parts.get("lang", {}).get("valueCode") == lang:
            return parts["content"]["valueString"]
    return element.get(field, "")


class KioskError(AssertionError):
    pass


def start_xvfb(size="1920x1080"):
    """A private Xvfb; it picks a free display itself (-displayfd). Returns (process, ":N")."""
    w, h = size.split("x")
    read_fd, write_fd = os.pipe()
    proc = subprocess.Popen(["Xvfb", "-displayfd", str(write_fd), "-screen", "0", f"{w}x{h}x24",
                             "-nolisten", "tcp"], pass_fds=(write_fd,),
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    os.close(write_fd)
    with os.fdopen(read_fd) as r:
        number = r.readline().strip()  # written once the display accepts clients
    if not number:
        proc.kill()
        proc.wait()
        raise KioskError("Xvfb did not start")
    return proc, ":" + number


class Kiosk:
    """One outpost process on its own Xvfb display."""

    def __init__(self, outpost, artifacts, config_text=None, size="1920x1080", screenshots=True,
                 config_file=None, data_dir=None):
        self.outpost = outpost
        self.artifacts = artifacts
        self.size = size
        self.tmp = tempfile.mkdtemp(prefix="outpost-ui-")
        self.hook = os.path.join(self.tmp, "hook.jsonl")
        self.shots = os.path.join(self.tmp, "shots") if screenshots else None
        self.config = config_file
        self.data_dir = data_dir or os.path.join(self.tmp, "data")
        if config_text is not None:
            self.config = os.path.join(self.tmp, "outpost.toml")
            with open(self.config, "w", encoding="utf-8") as f:
                f.write(config_text)
        self.xvfb = None
        self.proc = None
        self.frames = []
        self._offset = 0
        self.display = None

    # ---- lifecycle ----
    def __enter__(self):
        try:
            self.start()
        except BaseException:
            self.close(check=False)
            raise
        return self

    def __exit__(self, exc_type, exc, tb):
        self.close(check=exc_type is None)
        return False

    def start(self):
        self.xvfb, self.display = start_xvfb(self.size)
        self.env = dict(os.environ, DISPLAY=self.display)
        # Under ASan, ignore the one-off leaks of system libraries (the same
        # file scripts/test.sh names; also when a test is run by hand).
        supp = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "sanitizer", "lsan.supp")
        lsan = self.env.get("LSAN_OPTIONS", "")
        self.env["LSAN_OPTIONS"] = (lsan + ":" if lsan else "") + f"suppressions={supp}"
        cmd = [self.outpost, "--windowed", self.size, "--test-hook", self.hook,
               "--data-dir", self.data_dir]
        if self.shots:
            cmd += ["--screenshot-dir", self.shots]
        if self.config:
            cmd += ["--config", self.config]
        self.started_at = time.monotonic()
        self.proc = subprocess.Popen(cmd, env=self.env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                     text=True)
        self.wait_for(lambda f: True, "the first frame")
        self.first_frame_seen = time.monotonic()
        # Give the window the keyboard focus (there is no window manager).
        wid = subprocess.run(["xdotool", "search", "--sync", "--name", "^Outpost$"], env=self.env,
                             capture_output=True, text=True, timeout=10, check=True).stdout.split()[0]
        subprocess.run(["xdotool", "windowfocus", "--sync", wid], env=self.env, check=True, timeout=10)

    def kill(self):
        """SIGKILL, as a crash or a pulled plug would stop it; no clean-up runs."""
        self.proc.kill()
        self.proc.wait()
        self.killed = True

    def close(self, check=True):
        code = None
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                code = self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        elif self.proc is not None:
            code = self.proc.returncode
        if self.xvfb is not None:
            self.xvfb.terminate()
            self.xvfb.wait()
        self._keep_screenshots()
        shutil.rmtree(self.tmp, ignore_errors=True)
        if check and code != 0 and not getattr(self, "killed", False):
            err = self.proc.stderr.read() if self.proc.stderr else ""
            raise KioskError(f"outpost exited with {code} after SIGTERM (expected a clean 0): {err[-3000:]}")

    def _keep_screenshots(self):
        if not self.shots or not os.path.isdir(self.shots):
            return
        shutil.rmtree(self.artifacts, ignore_errors=True)  # only this run's pictures
        os.makedirs(self.artifacts, exist_ok=True)
        bmps = sorted(f for f in os.listdir(self.shots) if f.endswith(".bmp"))
        for name in bmps:
            src = os.path.join(self.shots, name)
            dst = os.path.join(self.artifacts, name[:-4] + ".png")
            if subprocess.run(["convert", src, dst], capture_output=True).returncode != 0:
                shutil.copy(src, os.path.join(self.artifacts, name))
        print(f"screenshots: {self.artifacts} ({len(bmps)} files)")

    # ---- hook ----
    def _read(self):
        try:
            with open(self.hook, encoding="utf-8") as f:
                f.seek(self._offset)
                data = f.read()
        except FileNotFoundError:
            return
        end = data.rfind("\n")
        if end < 0:
            return
        self._offset += len(data[:end + 1].encode("utf-8"))
        for line in data[:end].split("\n"):
            self.frames.append(json.loads(line))

    @property
    def frame(self):
        self._read()
        return self.frames[-1] if self.frames else None

    def wait_for(self, predicate, what, timeout=10.0):
        """Waits until the latest drawn frame satisfies `predicate`; returns it."""
        deadline = time.monotonic() + timeout
        while True:
            f = self.frame
            if f is not None and predicate(f):
                return f
            if self.proc.poll() is not None:
                raise KioskError(f"outpost exited ({self.proc.returncode}) while waiting for {what}: "
                                 f"{self.proc.stderr.read()}")
            if time.monotonic() > deadline:
                raise KioskError(f"timed out waiting for {what}; last frame: {json.dumps(f, ensure_ascii=False)}")
            time.sleep(0.01)

    def wait_screen(self, screen, what=None, timeout=10.0, **extra):
        def ok(f):
            if f["screen"] != screen:
                return False
            return all(extra_pred(f) for extra_pred in extra.values())
        return self.wait_for(ok, what or f"screen {screen}", timeout)

    def key_then_frame(self, *keys, timeout=10.0):
        """Sends keys and waits for a frame drawn after them (the UI reacted)."""
        n = self.frame["frame"] if self.frame else 0
        self.key(*keys)
        return self.wait_for(lambda f: f["frame"] > n, f"a frame after {keys}", timeout)

    # ---- input ----
    def outbox_status(self, outpostctl):
        """`outpostctl status --json` on this kiosk's data dir."""
        out = subprocess.run([outpostctl, "--config", self.config, "--data-dir", self.data_dir,
                              "status", "--json"], capture_output=True, text=True, timeout=30)
        if out.returncode != 0:
            raise KioskError(f"outpostctl status failed: {out.stderr}")
        return json.loads(out.stdout)

    def key(self, *keys):
        subprocess.run(["xdotool", "key", "--delay", "40", *keys], env=self.env, check=True, timeout=10)

    def keydown(self, key):
        subprocess.run(["xdotool", "keydown", key], env=self.env, check=True, timeout=10)

    def keyup(self, key):
        subprocess.run(["xdotool", "keyup", key], env=self.env, check=True, timeout=10)


# ---- view helpers ----
def controls(frame, role=None):
    return [c for c in frame["controls"] if role is None or c["role"] == role]


def labels(frame, role=None):
    return [c["label"] for c in controls(frame, role)]


def selected(frame):
    return [c["label"] for c in frame["controls"] if c.get("selected")]


def expect(cond, message):
    if not cond:
        raise KioskError(message)
