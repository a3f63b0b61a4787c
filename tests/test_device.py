"""helpers.device with CUDA and MPS states faked, so these run on any machine."""

from types import SimpleNamespace
from unittest import mock

import pytest
import torch

from helpers import device


def fake_cuda(name="Tesla T4", memory_gb=15, capability=(7, 5), bf16=False):
    props = SimpleNamespace(name=name, total_memory=memory_gb * 1024**3, major=capability[0], minor=capability[1])
    return [
        mock.patch("torch.cuda.is_available", return_value=True),
        mock.patch("torch.cuda.current_device", return_value=0),
        mock.patch("torch.cuda.get_device_properties", return_value=props),
        mock.patch("torch.cuda.is_bf16_supported", return_value=bf16),
    ]


def apply(patches):
    for patch in patches:
        patch.start()


@pytest.fixture(autouse=True)
def stop_patches():
    yield
    mock.patch.stopall()


def test_cuda_t4_is_detected_with_its_details():
    apply(fake_cuda())
    info = device.detect()
    assert (info.kind, info.name, info.memory_gb, info.compute_capability) == ("cuda", "Tesla T4", 15.0, (7, 5))


def test_t4_uses_fp16_and_ampere_uses_bf16():
    apply(fake_cuda())
    assert device.autocast_dtype() is torch.float16
    mock.patch.stopall()
    apply(fake_cuda(name="A100", capability=(8, 0), bf16=True))
    assert device.autocast_dtype() is torch.bfloat16


def test_old_gpu_gets_no_mixed_precision():
    apply(fake_cuda(name="K80", capability=(3, 7)))
    assert device.autocast_dtype() is None


def no_cuda(mps: bool):
    return [mock.patch("torch.cuda.is_available", return_value=False),
            mock.patch("torch.backends.mps.is_available", return_value=mps)]


@pytest.mark.parametrize("mps, kind", [(True, "mps"), (False, "cpu")])
def test_without_cuda_mps_then_cpu_and_never_fp16(mps, kind):
    apply(no_cuda(mps))
    info = device.detect()
    assert info.kind == kind and info.torch_device == torch.device(kind)
    assert device.autocast_dtype(info) is None


@pytest.mark.parametrize("env, expected", [
    ({"COLAB_RELEASE_TAG": "x"}, "colab"),
    ({"KAGGLE_KERNEL_RUN_TYPE": "Interactive"}, "kaggle"),
    ({"BINDER_LAUNCH_HOST": "https://mybinder.org/"}, "binder"),
    ({}, "local"),
])
def test_hosting(monkeypatch, env, expected):
    for key in ("COLAB_RELEASE_TAG", "KAGGLE_KERNEL_RUN_TYPE", "BINDER_LAUNCH_HOST", "BINDER_REQUEST", "BINDER_REPO_URL"):
        monkeypatch.delenv(key, raising=False)
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    assert device.hosting() == expected


def test_num_workers_is_zero_on_windows_macos_and_binder(monkeypatch):
    monkeypatch.setattr("sys.platform", "win32")
    assert device.num_workers() == 0
    monkeypatch.setattr("sys.platform", "darwin")
    assert device.num_workers() == 0
    monkeypatch.setattr("sys.platform", "linux")
    monkeypatch.setenv("BINDER_REQUEST", "v2/gh/x")
    assert device.num_workers() == 0
    monkeypatch.delenv("BINDER_REQUEST")
    monkeypatch.setattr("os.cpu_count", lambda: 8)
    assert device.num_workers() == 4
    in_memory = torch.utils.data.TensorDataset(torch.zeros(4, 2))
    assert device.num_workers(in_memory) == 0


def test_num_workers_on_two_cores_uses_both_for_a_gpu_and_none_for_the_cpu(monkeypatch):
    """Measured on 2 cores: a GPU-fed loader is fastest with 2 workers, CPU training with 0."""
    monkeypatch.setattr("sys.platform", "linux")
    for key in ("BINDER_LAUNCH_HOST", "BINDER_REQUEST", "BINDER_REPO_URL"):
        monkeypatch.delenv(key, raising=False)
    monkeypatch.setattr("os.cpu_count", lambda: 2)
    monkeypatch.setattr("torch.cuda.is_available", lambda: True)
    assert device.num_workers() == 2
    monkeypatch.setattr("torch.cuda.is_available", lambda: False)
    assert device.num_workers() == 0
    monkeypatch.setattr("os.cpu_count", lambda: 8)
    assert device.num_workers() == 4


def test_system_report_prints_one_table(capsys):
    rows = device.system_report()
    printed = capsys.readouterr().out
    for key in ("python", "torch", "cuda", "device", "RAM", "profile", "transformers"):
        assert key in rows and key in printed
    assert rows["profile"] == "smoke"


def test_system_report_tells_colab_users_to_enable_a_gpu(monkeypatch, capsys):
    monkeypatch.setenv("COLAB_RELEASE_TAG", "x")
    apply(no_cuda(mps=False))
    device.system_report()
    assert device.ENABLE_GPU_ON_COLAB in capsys.readouterr().out


def test_system_report_on_a_faked_gpu(capsys):
    apply(fake_cuda())
    rows = device.system_report(show=False)
    assert rows["device"] == "cuda: Tesla T4" and rows["mixed precision"] == "float16"
