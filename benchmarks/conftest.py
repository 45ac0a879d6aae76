"""Record what the step times depend on: CPU, cores, BLAS and thread settings."""

from __future__ import annotations

import contextlib
import io
import os


def machine_facts() -> dict:
    import numpy as np

    model = "unknown"
    with contextlib.suppress(OSError), open("/proc/cpuinfo") as fh:
        for line in fh:
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    buf = io.StringIO()
    with contextlib.redirect_stdout(buf):
        np.show_config()
    blas = [ln.strip() for ln in buf.getvalue().splitlines()
            if "openblas configuration" in ln or ln.strip().startswith("name:")][:2]
    facts = {
        "nproc": os.cpu_count(),
        "cpu_model": model,
        "numpy": np.__version__,
        "numpy_blas": "; ".join(blas),
        "OPENBLAS_NUM_THREADS": os.environ.get("OPENBLAS_NUM_THREADS", "(unset)"),
        "OMP_NUM_THREADS": os.environ.get("OMP_NUM_THREADS", "(unset)"),
    }
    try:
        import torch

        facts["torch"] = torch.__version__
        facts["torch_threads"] = torch.get_num_threads()
    except ImportError:
        facts["torch"] = "not installed"
    return facts


def pytest_benchmark_update_machine_info(config, machine_info):
    machine_info["boundcheck"] = machine_facts()


def pytest_report_header(config):
    return "boundcheck benchmarks: " + ", ".join(f"{k}={v}" for k, v in machine_facts().items())
