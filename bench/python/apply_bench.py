#!/usr/bin/python3
"""Python `apply_` (libshira) vs the native `shira apply` vs PEFT's ShiraLayer.merge, on one LLaMA-7B block.

    scripts/setup.sh                                   # out/native/shira, out/native/libshira.so
    /usr/bin/python3 bench/python/apply_bench.py       # [--repeat 5] [--r 32] [--dtype bf16|f32] [--work out/bench-py]

The block: q/k/v/o_proj 4096x4096, gate/up_proj 11008x4096, down_proj 4096x11008 (202M weights; 404 MB in bf16),
random weights; a SHiRA adapter as PEFT makes it (r=32: nnz = r*(in+out) per matrix, random mask, f32 values) is
written as a PEFT folder and converted with `shira convert --base`. Timed, best of --repeat:
  python apply_       shira.open(adapter).apply_(state_dict) on torch tensors in memory (revert_ between runs)
  native apply -o     `shira apply BASE ADAPTER -o OUT` (process start, mmap, apply, write the 404 MB output)
  native in-place     `shira apply BASE ADAPTER --in-place` on a copy (journaled, fsynced), then `shira revert`
  PEFT merge (torch)  the torch operations of peft.tuners.shira.layer.Linear.merge, reproduced here (PEFT is not
                      installed): W += sparse_coo_tensor(indices, weight * scaling, shape) per layer
Results are checked: apply_ equals `shira apply` bit for bit. Prints ratios (one run; the load is printed too).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import struct
import subprocess
import sys
import time

import numpy as np
import torch

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
sys.path.insert(0, os.path.join(ROOT, "bindings", "python"))
os.environ.setdefault("SHIRA_LIBRARY", os.path.join(ROOT, "out", "native", "libshira.so"))
import shira  # noqa: E402

HIDDEN, FFN = 4096, 11008
LAYERS = {  # name -> (out_features, in_features), as in LLaMA-7B's first block
    "model.layers.0.self_attn.q_proj.weight": (HIDDEN, HIDDEN),
    "model.layers.0.self_attn.k_proj.weight": (HIDDEN, HIDDEN),
    "model.layers.0.self_attn.v_proj.weight": (HIDDEN, HIDDEN),
    "model.layers.0.self_attn.o_proj.weight": (HIDDEN, HIDDEN),
    "model.layers.0.mlp.gate_proj.weight": (FFN, HIDDEN),
    "model.layers.0.mlp.up_proj.weight": (FFN, HIDDEN),
    "model.layers.0.mlp.down_proj.weight": (HIDDEN, FFN),
}
ST = {torch.float32: "F32", torch.bfloat16: "BF16", torch.int32: "I32"}


def write_safetensors(path: str, tensors: dict) -> None:
    header, offset = {}, 0
    for k, t in tensors.items():
        n = t.numel() * t.element_size()
        header[k] = {"dtype": ST[t.dtype], "shape": list(t.shape), "data_offsets": [offset, offset + n]}
        offset += n
    h = json.dumps(header).encode()
    h += b" " * (-len(h) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(h)) + h)
        for t in tensors.values():
            f.write(t.contiguous().view(torch.uint8).numpy().tobytes() if t.dtype == torch.bfloat16 else t.numpy().tobytes())


def read_safetensors_bf16(path: str) -> dict:
    with open(path, "rb") as f:
        data = f.read()
    (n,) = struct.unpack("<Q", data[:8])
    out = {}
    for k, e in json.loads(data[8 : 8 + n]).items():
        if k == "__metadata__":
            continue
        b, end = e["data_offsets"]
        dt = np.int16 if e["dtype"] == "BF16" else np.float32
        arr = np.frombuffer(data, dt, (end - b) // np.dtype(dt).itemsize, 8 + n + b).reshape(e["shape"]).copy()
        t = torch.from_numpy(arr)
        out[k] = t.view(torch.bfloat16) if e["dtype"] == "BF16" else t
    return out


def best(fn, repeat: int, between=None) -> float:
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
        if between:
            between()
    return min(times)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--r", type=int, default=32, help="PEFT SHiRA rank: nnz = r*(in+out) per matrix")
    ap.add_argument("--dtype", choices=["bf16", "f32"], default="bf16")
    ap.add_argument("--work", default=os.path.join(ROOT, "out", "bench-py"))
    ap.add_argument("--shira", default=os.path.join(ROOT, "out", "native", "shira"))
    args = ap.parse_args()
    dtype = torch.bfloat16 if args.dtype == "bf16" else torch.float32
    os.makedirs(args.work, exist_ok=True)
    torch.manual_seed(0)
    torch.set_num_threads(os.cpu_count() or 1)

    # The base block and a PEFT-layout SHiRA adapter for it.
    base = {k: (torch.randn(s, dtype=torch.float32) * 0.02).to(dtype) for k, s in LAYERS.items()}
    base_path = os.path.join(args.work, "block.safetensors")
    write_safetensors(base_path, base)
    peft_dir = os.path.join(args.work, "peft-shira")
    os.makedirs(peft_dir, exist_ok=True)
    g = torch.Generator().manual_seed(42)
    adapter_tensors, peft_layers = {}, {}
    for k, (out_f, in_f) in LAYERS.items():
        nnz = args.r * (in_f + out_f)
        flat = torch.randperm(out_f * in_f, generator=g)[:nnz].sort().values
        idx = torch.stack([flat // in_f, flat % in_f]).to(torch.int32)
        val = torch.randn(nnz, generator=g) * 0.05
        module = "base_model.model." + k[: -len(".weight")]
        adapter_tensors[module + ".shira_indices"] = idx
        adapter_tensors[module + ".shira_weight"] = val
        peft_layers[k] = (idx.long(), val, 1.0)
    write_safetensors(os.path.join(peft_dir, "adapter_model.safetensors"), adapter_tensors)
    with open(os.path.join(peft_dir, "adapter_config.json"), "w") as f:
        json.dump({"peft_type": "SHIRA", "r": args.r, "mask_type": "random", "random_seed": 42, "fan_in_fan_out": False,
                   "target_modules": ["q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj"],
                   "init_weights": True, "modules_to_save": None}, f)
    adapter = os.path.join(args.work, "block.shira")
    for p in (adapter,):
        if os.path.exists(p):
            os.remove(p)
    subprocess.run([args.shira, "convert", peft_dir, "-o", adapter, "--base", base_path], check=True,
                   stdout=subprocess.DEVNULL)
    nnz_total = sum(v[1].numel() for v in peft_layers.values())

    # 1. Python apply_ on an in-memory torch state dict.
    sd = {k: v.clone() for k, v in base.items()}
    a = shira.open(adapter)
    t_py = best(lambda: a.apply_(sd), args.repeat, between=lambda: a.revert_(sd))
    t_py_open = best(lambda: shira.open(adapter).apply_(sd).revert_(sd), 1)  # includes open and a revert
    a.apply_(sd)

    # 2. The native command, writing a merged copy; then in place on a copy of the base (apply, revert).
    merged = os.path.join(args.work, "merged.safetensors")

    def native_copy():
        if os.path.exists(merged):
            os.remove(merged)
        subprocess.run([args.shira, "apply", base_path, adapter, "-o", merged], check=True, stdout=subprocess.DEVNULL)

    t_native = best(native_copy, args.repeat)
    expected = read_safetensors_bf16(merged) if dtype == torch.bfloat16 else None
    inplace = os.path.join(args.work, "inplace.safetensors")
    shutil.copyfile(base_path, inplace)
    t_inplace = best(lambda: subprocess.run([args.shira, "apply", inplace, adapter, "--in-place"], check=True,
                                            stdout=subprocess.DEVNULL), args.repeat,
                     between=lambda: subprocess.run([args.shira, "revert", inplace], check=True, stdout=subprocess.DEVNULL))

    # 3. PEFT's merge: orig_weight += sparse_coo_tensor(shira_indices, shira_weight * scaling, (out, in)), per layer.
    w_peft = {k: v.clone() for k, v in base.items()}

    def peft_merge():
        for k, (idx, val, scaling) in peft_layers.items():
            out_f, in_f = LAYERS[k]
            w = w_peft[k]
            w += torch.sparse_coo_tensor(idx, val * scaling, (out_f, in_f))  # dense bf16 += sparse f32, as PEFT

    t_peft = best(peft_merge, 1)  # merging twice would double the delta; one run, first touch included

    ok = True
    if expected is not None:
        ok = all(torch.equal(sd[k].view(torch.int16), expected[k].view(torch.int16)) for k in LAYERS)
    peft_same = sum(int(torch.equal(sd[k].float(), w_peft[k].float())) for k in LAYERS)
    load = os.getloadavg()
    print(f"LLaMA-7B block: 7 matrices, {sum(o * i for o, i in LAYERS.values()) / 1e6:.0f}M weights ({args.dtype}), "
          f"SHiRA r={args.r}: {nnz_total / 1e6:.2f}M nonzeros; best of {args.repeat}; load average {load[0]:.1f}, "
          f"{os.cpu_count()} cores")
    rows = [
        ("python apply_ (libshira, in memory)", t_py),
        ("python open + apply_ + revert_", t_py_open),
        ("native `shira apply -o` (process, read + write 400 MB)", t_native),
        ("native `shira apply --in-place` (process, journaled)", t_inplace),
        ("PEFT ShiraLayer.merge torch ops (reproduced)", t_peft),
    ]
    for name, t in rows:
        print(f"  {name:58s} {t * 1000:9.1f} ms   {t / t_py:6.2f}x python apply_")
    print(f"python apply_ / native apply -o = {t_py / t_native:.3f}; / native in-place = {t_py / t_inplace:.3f}; "
          f"/ PEFT merge = {t_py / t_peft:.3f}")
    print(f"python apply_ == `shira apply` bit for bit: {ok}; == PEFT merge (as floats): {peft_same}/7 tensors")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
