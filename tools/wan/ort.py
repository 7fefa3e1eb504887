"""onnxruntime-node from Python: one `node tools/wan/ort_server.mjs` process per Python process, kept open, that runs
ONNX files on tensors passed as raw files (Debian has no onnxruntime for Python; the project's own runtime is the one
to check against anyway)."""
import atexit
import json
import os
import shutil
import subprocess
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))

_proc = None
_dir = None


def _start():
    global _proc, _dir
    if _proc is None:
        _dir = tempfile.mkdtemp(prefix="wan-ort-")
        atexit.register(shutil.rmtree, _dir, True)
        _proc = subprocess.Popen(["node", os.path.join(HERE, "ort_server.mjs")], cwd=REPO, text=True,
                                 stdin=subprocess.PIPE, stdout=subprocess.PIPE)


def tensor_file(name, arr):
    """Write `arr` (C order, little-endian) as NAME.bin in the server's folder and return its path."""
    _start()
    path = os.path.join(_dir, name + ".bin")
    arr.tofile(path)
    return path


def run(model, inputs):
    """inputs: [{name, dtype, shape, file, cache?}] -> (graph input names, [(output meta {name, dtype, shape}, file)])."""
    _start()
    _proc.stdin.write(json.dumps({"model": model, "dir": _dir, "inputs": inputs}) + "\n")
    _proc.stdin.flush()
    line = _proc.stdout.readline()
    if not line:
        raise SystemExit(f"onnxruntime-node stopped while running {model}")
    reply = json.loads(line)
    return reply["inputs"], [(o, os.path.join(_dir, "out_" + o["name"] + ".bin")) for o in reply["outputs"]]
