"""Model registry: specs, names, preprocessing, and the checkpoint loaders on synthetic upstream-format files."""

from __future__ import annotations

import sys
import textwrap
import types

import numpy as np
import pytest
import torch
from PIL import Image

from humanlike.inference import models
from humanlike.errors import DataFileError, HumanlikeError, UnknownNameError
from humanlike.inference.models import load_model


# --------------------------------------------------------------------------------------------- specs and names
def test_zoo_lists_the_papers_models():
    names = models.zoo_names()
    assert len(models.TORCHVISION_ZOO) == 24
    assert {"InsDis", "MoCo", "MoCoV2", "PIRL", "InfoMin"} <= set(names)
    assert {"simclr-resnet50x1", "simclr-resnet50x2", "simclr-resnet50x4", "efficientnet-lite0"} <= set(names)
    assert len(names) == len(set(names)) == 33


def test_paper_zoo_is_the_papers_32_models():
    # Geirhos et al. 2020: 24 supervised torchvision models, InsDis, MoCo, MoCoV2, PIRL, InfoMin, SimCLR x1/x2/x4
    assert len(models.PAPER_ZOO) == len(set(models.PAPER_ZOO)) == 32
    assert models.PAPER_ZOO[:24] == models.TORCHVISION_ZOO
    assert set(models.PAPER_ZOO[24:]) == {"InsDis", "MoCo", "MoCoV2", "PIRL", "InfoMin", "simclr-resnet50x1",
                                          "simclr-resnet50x2", "simclr-resnet50x4"}  # fmt: skip
    assert set(models.zoo_names()) - set(models.PAPER_ZOO) == {"efficientnet-lite0"}


def test_every_torchvision_zoo_model_exists_with_its_original_weights():
    import torchvision.models as tvm

    available = set(tvm.list_models(module=tvm))
    for name in models.TORCHVISION_ZOO:
        assert name in available
        assert tvm.get_model_weights(name)["IMAGENET1K_V1"].meta["num_params"] > 0


def test_zoo_names_have_metadata():
    from humanlike.data import model_metadata

    table = model_metadata()
    assert set(models.zoo_names()) <= set(table["model"])


@pytest.mark.parametrize(
    "spec, name",
    [
        ("resnet50", "resnet50-rerun"),  # published (and third-party) name: a rerun never takes it
        ("alexnet", "alexnet-rerun"),  # a third-party name
        ("resnet18", "resnet18"),
        ("torchvision:resnet50", "resnet50-rerun"),
        ("mocov2", "MoCoV2"),
        ("efficientnet-lite0", "efficientnet-lite0"),
        ("torchvision:vit_b_16", "vit_b_16"),
        ("timm:convnext_tiny.fb_in1k", "convnext_tiny.fb_in1k"),
        ("timm:hf-hub:org/model", "hf-hub-org-model"),
        ("python:my_pkg.nets:make_net", "make_net"),
        ("python:./nets.py:Factory.build", "build"),
    ],
)
def test_default_name(spec, name):
    assert models.default_name(spec) == name


@pytest.mark.parametrize("spec", ["resnet51", "tv:resnet50", "", "torchvision:not_a_model", "python:nomodule_xyz:f"])
def test_unknown_spec_is_a_one_line_unknown_name_error(spec):
    with pytest.raises(UnknownNameError) as info:
        load_model(spec, random_weights=True)
    message = str(info.value)
    assert "\n" not in message
    if spec in ("resnet51", "tv:resnet50", ""):
        assert "torchvision:<name>" in message and "timm:<name>" in message and "python:<module>:<callable>" in message


def test_random_weights_are_reproducible_and_eval_mode():
    a, b = load_model("resnet18", random_weights=True), load_model("resnet18", random_weights=True)
    assert models.state_dict_sha256(a.module) == models.state_dict_sha256(b.module)
    assert not a.module.training
    assert not any(p.requires_grad for p in a.module.parameters())
    module, transform = a  # unpacks as (module, transform)
    assert module is a.module and transform == models.paper_transform()


def test_torchvision_spec_uses_torchvisions_transform():
    import torchvision.models as tvm

    loaded = load_model("torchvision:resnet18", random_weights=True)
    assert loaded.name == "resnet18" and loaded.spec == "torchvision:resnet18"
    preset = tvm.get_model_weights("resnet18").DEFAULT.transforms()
    rng = np.random.default_rng(0)
    for size in ((300, 260), (224, 224), (500, 333)):
        image = Image.fromarray(rng.integers(0, 256, (size[1], size[0], 3), dtype=np.uint8))
        torch.testing.assert_close(loaded.transform(image), preset(image), atol=1e-5, rtol=1e-5)


def test_paper_transform_passes_224_images_through():
    transform = models.paper_transform()
    rng = np.random.default_rng(1)
    pixels = rng.integers(0, 256, (224, 224, 3), dtype=np.uint8)
    x = transform(Image.fromarray(pixels))
    mean, std = torch.tensor(models.IMAGENET_MEAN), torch.tensor(models.IMAGENET_STD)
    expected = (torch.from_numpy(pixels).permute(2, 0, 1).float() / 255 - mean[:, None, None]) / std[:, None, None]
    torch.testing.assert_close(x, expected)
    assert transform(Image.fromarray(rng.integers(0, 256, (300, 400, 3), dtype=np.uint8))).shape == (3, 224, 224)
    # uint8 half + batched normalisation equals the one-image call
    u = transform.to_uint8(Image.fromarray(pixels))
    assert u.dtype == torch.uint8 and u.shape == (3, 224, 224)
    torch.testing.assert_close(transform.normalize(u[None])[0], x)


def test_efficientnet_lite0_real_weights_offline():
    loaded = load_model("efficientnet-lite0")
    assert loaded.name == "efficientnet-lite0" and loaded.files and loaded.files[0].is_file()
    t = loaded.transform
    assert (t.resize, t.crop, t.mean, t.std) == (256, 224, (0.5,) * 3, (0.5,) * 3)
    with torch.inference_mode():
        logits = loaded.module(torch.zeros(1, 3, 224, 224))
    assert logits.shape == (1, 1000) and torch.isfinite(logits).all()
    # the same network through the "add your model" route
    own = load_model("python:humanlike.inference.models:efficientnet_lite0")
    assert models.state_dict_sha256(own.module) == models.state_dict_sha256(loaded.module)


# --------------------------------------------------------------------------------------------- python: and timm:
FACTORIES = textwrap.dedent(
    """
    import torch
    from torch import nn

    class Tiny(nn.Module):
        def __init__(self):
            super().__init__()
            self.fc = nn.Linear(3, 1000)
        def forward(self, x):
            return self.fc(x.mean(dim=(2, 3)))

    def module_only():
        return Tiny()

    def with_transform(random_weights=False):
        return Tiny(), lambda image: torch.zeros(3, 8, 8)

    def not_a_module():
        return "nope"
    """
)


def test_python_spec_from_a_file(tmp_path):
    path = tmp_path / "nets.py"
    path.write_text(FACTORIES)
    loaded = load_model(f"python:{path}:module_only")
    assert loaded.name == "module_only" and loaded.transform == models.paper_transform()
    assert loaded.module(torch.zeros(2, 3, 8, 8)).shape == (2, 1000)
    custom = load_model(f"python:{path}:with_transform", random_weights=True)
    assert custom.transform(None).shape == (3, 8, 8)
    with pytest.raises(HumanlikeError, match="random_weights"):
        load_model(f"python:{path}:module_only", random_weights=True)
    with pytest.raises(HumanlikeError, match="not a torch.nn.Module"):
        load_model(f"python:{path}:not_a_module")
    with pytest.raises(UnknownNameError, match="no attribute"):
        load_model(f"python:{path}:missing")


def test_timm_missing_is_a_clear_error(monkeypatch):
    monkeypatch.setitem(sys.modules, "timm", None)  # import timm -> ImportError
    with pytest.raises(HumanlikeError, match=r"pip install"):
        load_model("timm:resnet50")


def test_timm_spec_with_a_stand_in_timm(monkeypatch):
    timm = types.ModuleType("timm")
    timm.data = types.ModuleType("timm.data")
    seen = {}

    def create_model(name, pretrained):
        seen.update(name=name, pretrained=pretrained)
        return torch.nn.Linear(3, 1000)

    timm.create_model = create_model
    timm.data.resolve_data_config = lambda args, model: {"input_size": (3, 224, 224)}
    timm.data.create_transform = lambda input_size, is_training: ("transform", input_size, is_training)
    monkeypatch.setitem(sys.modules, "timm", timm)
    monkeypatch.setitem(sys.modules, "timm.data", timm.data)
    loaded = load_model("timm:some_net.in1k")
    assert seen == {"name": "some_net.in1k", "pretrained": True}
    assert loaded.transform == ("transform", (3, 224, 224), False) and loaded.name == "some_net.in1k"


# --------------------------------------------------------------------------------------------- checkpoint loaders
# (the upstream formats, downloads and malformed files are tested in test_weights.py)
def test_pycontrast_loader_rejects_wrong_files(tmp_path):
    torch.save({"model": {"module.encoder.conv1.weight": torch.zeros(1)}}, tmp_path / "bad.pth")
    with pytest.raises(DataFileError, match="bad.pth: checkpoint does not fit"):
        models.pycontrast_resnet50(tmp_path / "bad.pth", None)
    torch.save({"state": {"weight": torch.zeros(1000, 2048)}}, tmp_path / "nocls.pth")
    with pytest.raises(DataFileError, match="nocls.pth: expected a dict with a 'classifier'"):
        models.pycontrast_resnet50(None, tmp_path / "nocls.pth")
    (tmp_path / "garbage.pth").write_bytes(b"not a checkpoint")
    with pytest.raises(DataFileError, match="garbage.pth: not a PyTorch checkpoint"):
        models.pycontrast_resnet50(tmp_path / "garbage.pth", None)
    with pytest.raises(DataFileError, match="not found"):
        models.pycontrast_resnet50(tmp_path / "absent.pth", None)


def test_simclr_widths_match_the_paper():
    # SimCLR (Chen et al. 2020), Table 1: ResNet-50 (1x) 24M, (2x) 94M, (4x) 375M parameters (without the classifier)
    for width, millions in ((1, 24), (2, 94), (4, 375)):
        with torch.device("meta"):
            net = models.WideResNet50(width)
        trunk = sum(p.numel() for key, p in net.named_parameters() if not key.startswith("fc."))
        assert trunk / 1e6 == pytest.approx(millions, abs=0.5)
        assert net.fc.in_features == 2048 * width


def test_simclr_loader_on_converted_checkpoint(tmp_path):
    with torch.device("meta"):
        shapes = models.WideResNet50(1).state_dict()
    state = _random_state_from_shapes(shapes, seed=3)
    # without BatchNorm's step counters, which a converted TensorFlow checkpoint may lack
    del_counters = {k: v for k, v in state.items() if not k.endswith("num_batches_tracked")}
    torch.save({"state_dict": del_counters}, tmp_path / "simclr_resnet50x1.pth")
    loaded = load_model("simclr-resnet50x1", weights=tmp_path / "simclr_resnet50x1.pth")
    got = loaded.module.state_dict()
    for key in ("conv1.weight", "layer3.5.conv2.weight", "fc.weight", "fc.bias", "bn1.running_mean"):
        torch.testing.assert_close(got[key], state[key])
    t = loaded.transform
    assert t.mean == (0.0, 0.0, 0.0) and t.std == (1.0, 1.0, 1.0)  # inputs in [0, 1]
    with pytest.raises(DataFileError, match="has shape"):
        wrong = dict(del_counters, **{"fc.weight": torch.zeros(10, 2048)})
        torch.save({"state_dict": wrong}, tmp_path / "wrong.pth")
        load_model("simclr-resnet50x1", weights=tmp_path / "wrong.pth")


def _random_state_from_shapes(shapes, seed):
    """Random tensors for a state dict's keys (BatchNorm variances positive, step counters integer)."""
    g = torch.Generator().manual_seed(seed)
    state = {}
    for key, value in shapes.items():
        if not value.is_floating_point():
            state[key] = torch.full(value.shape, 3, dtype=value.dtype)
        elif key.endswith("running_var"):
            state[key] = torch.rand(value.shape, generator=g) + 0.5
        else:
            state[key] = torch.randn(value.shape, generator=g) * 0.05
    return state


def test_torchvision_weights_from_a_local_file(tmp_path):
    reference = load_model("resnet18", random_weights=True)
    state = _random_state_from_shapes(reference.module.state_dict(), seed=4)
    torch.save(state, tmp_path / "resnet18.pth")
    loaded = load_model("resnet18", weights=tmp_path / "resnet18.pth")
    torch.testing.assert_close(loaded.module.state_dict()["fc.weight"], state["fc.weight"])
    assert loaded.sources == {"weights": str(tmp_path / "resnet18.pth")}
    with pytest.raises(HumanlikeError, match="not both"):
        load_model("resnet18", weights=tmp_path / "resnet18.pth", random_weights=True)
    torch.save([state["fc.weight"]], tmp_path / "list.pth")
    with pytest.raises(DataFileError) as info:
        load_model("resnet18", weights=tmp_path / "list.pth")
    assert str(info.value) == (
        f"{tmp_path / 'list.pth'}: expected a state dict or a dict with a 'state_dict' entry, found a list"
    )


# --------------------------------------------------------------------------------------------- the paper's zoo status
def test_paper_zoo_status_on_the_mirror():
    from humanlike.results import third_party as zoo

    # the mirror's third-party folder: AlexNet by harvard-visionlab on all 17 datasets; TizianThieringer's
    # "shufflenet-test" is ShuffleNet v2 x1.0, not the paper's x0.5
    third = zoo.third_party_models()
    assert third["alexnet"]["harvard-visionlab+model-vs-human-dmc"] == 17
    assert "shufflenet-test" in third and "shufflenet_v2_x0_5" not in third
    status = zoo.paper_zoo_status().set_index("model")
    assert list(status.index[:32]) == list(models.PAPER_ZOO)
    assert set(status.index[32:]) == {"bagnet33", "efficientnet-lite0", "swag-regnety-16gf-in1k",
                                      "swag-regnety-32gf-in1k", "swag-regnety-128gf-in1k", "swag-vit-b16-in1k",
                                      "swag-vit-l16-in1k", "swag-vit-h14-in1k"}  # fmt: skip
    assert (status["group"] == "paper").sum() == 32
    assert status.at["alexnet", "status"].startswith("third-party data (harvard-visionlab")
    assert status.at["shufflenet_v2_x0_5", "status"] == "absent"
    assert status.at["simclr-resnet50x1", "status"] == "published data"
    assert status.at["MoCoV2", "status"] == "absent" and status.at["efficientnet-lite0", "status"] == "absent"
    # the paper's models in the published data: ResNet-50 and SimCLR x1 only
    assert set(status.index[status["published"] & (status["group"] == "paper")]) == {"resnet50", "simclr-resnet50x1"}


def test_paper_zoo_status_with_given_sources():
    from humanlike.results import third_party as zoo

    status = zoo.paper_zoo_status(
        published={"resnet50"},
        third_party=["alexnet [harvard-visionlab]", "shufflenet-test [TizianThieringer]"],
        own={"MoCoV2", "resnet50-rerun"},  # a rerun counts for its zoo model
    ).set_index("model")
    assert status.at["alexnet", "status"] == "third-party data (harvard-visionlab)"
    assert status.at["MoCoV2", "status"] == "your runs" and bool(status.at["MoCoV2", "own"])
    assert status.at["resnet50", "status"] == "published data; your runs"
    assert status.at["simclr-resnet50x1", "status"] == "absent"  # not among the given published names
    assert (status["third_party"] != "").sum() == 1
