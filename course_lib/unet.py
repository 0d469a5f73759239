"""The singing-voice U-Net of Jansson et al. (2017): network, data, training and inference.

Shapes and units
----------------
Everything here works at the model's sample rate, :data:`SR` = 8192 Hz, mono, with an
STFT of ``n_fft = 1024`` samples (125 ms) and ``hop_length = 768`` samples (94 ms), as
in the paper [1]_, and a flat window with sine tapers (:data:`WINDOW`; a Hann window
does not suit a hop of 3/4 frame, see there). An STFT has 513 bins; the network sees
the lower :data:`N_BINS` = 512 of them (0 Hz to 4088 Hz): the Nyquist bin is dropped
on the way in, and its mask is 0 on the way out.

- audio: ``(samples,)`` at 8192 Hz (:func:`separate` resamples and downmixes other
  input, with a warning);
- spectrograms: ``(freq, frames)`` as everywhere in the course; the network's tensors
  are ``(batch, 1, 512, frames)``, a one-channel image whose height is frequency;
- a training patch is 512 bins x 128 frames (:data:`PATCH_FRAMES`, 11.9 s); the
  network takes any number of frames that is a multiple of 64 (:data:`FRAME_MULTIPLE`,
  six halvings).

Normalisation
-------------
The paper scales its input spectrograms to [0, 1]. Here each input is divided by its
own largest magnitude: a training patch by the patch's maximum, a whole recording at
inference by the recording's maximum (one number for every chunk, so that chunked
and unchunked inference agree). The mask therefore does not depend on the level of
the recording, and the L1 loss is measured on the same [0, 1] scale for every patch.

The parts
---------
- :data:`PRESETS`: the channel widths by name, ``"paper"`` (16 ... 512, 9.8 M
  parameters, 39 MB) and ``"cpu"`` (8 ... 256, 2.5 M parameters, 9.8 MB), the
  one trained and shipped in ``data/models/``;
- :class:`UNet`: the network only (a ``torch.nn.Module``, built on first use);
- :class:`MixtureDataset`: random training patches remixed on the fly;
- :func:`train`: Adam on the L1 loss, validation every epoch, early stopping;
- :func:`predict_mask`, :func:`separate`: full-length inference in chunks, phase
  and optional Wiener-EM refinement (``course_lib.wiener``, as open-unmix does);
- :func:`load_pretrained`: the shipped model with its configuration, the command
  that trained it and its training log.

PyTorch is imported only by the functions that need it, so ``import course_lib``
and ``import course_lib.unet`` work without it; a missing torch raises
``ModuleNotFoundError`` saying how to install it (:data:`INSTALL_HINT`).

References
----------
.. [1] A. Jansson, E. Humphrey, N. Montecchio, R. Bittner, A. Kumar and T. Weyde,
   "Singing voice separation with deep U-Net convolutional networks," in Proc.
   ISMIR, 2017.
.. [2] O. Ronneberger, P. Fischer and T. Brox, "U-Net: convolutional networks for
   biomedical image segmentation," in Proc. MICCAI, 2015.
.. [3] F.-R. Stöter, S. Uhlich, A. Liutkus and Y. Mitsufuji, "Open-Unmix - a reference
   implementation for music source separation," Journal of Open Source Software,
   4(41), 1667, 2019.
.. [4] D. P. Kingma and J. Ba, "Adam: a method for stochastic optimization," ICLR 2015.
"""

from __future__ import annotations

import functools
import json
import math
import random
import shlex
import sys
import time
import warnings
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from ._validation import (
    ParameterError,
    _describe,
    check_audio,
    check_bool,
    check_finite_number,
    check_int,
    check_path,
    check_positive,
    check_random_state,
    check_sample_rate,
    check_spectrogram,
)

__all__ = [
    "SR",
    "N_FFT",
    "HOP_LENGTH",
    "N_BINS",
    "WINDOW",
    "PATCH_FRAMES",
    "FRAME_MULTIPLE",
    "PRESETS",
    "INSTALL_HINT",
    "UNet",  # noqa: F822 (built on first access by the module's __getattr__)
    "parameter_count",
    "set_seed",
    "MixtureDataset",
    "TrainingResult",
    "train",
    "predict_mask",
    "Separation",
    "separate",
    "Pretrained",
    "load_pretrained",
]

#: The model's sample rate in Hz (the paper's 8 kHz; 8192 makes the STFT frames round).
SR = 8192
#: The STFT frame length in samples (125 ms at 8192 Hz).
N_FFT = 1024
#: The STFT hop in samples (93.75 ms at 8192 Hz).
HOP_LENGTH = 768
#: The frequency bins the network sees: the 513 bins of the STFT less the Nyquist bin.
N_BINS = 512
#: The frames of a training patch (128 x 768 samples = 11.9 s).
PATCH_FRAMES = 128
#: Six stride-2 layers: the network takes a number of frames (and bins) divisible by 64.
FRAME_MULTIPLE = 64
#: Frames of context on each side of a chunk in :func:`predict_mask`: more than the
#: receptive-field radius of the network (190 frames, measured by the tests), so that a
#: chunk's central frames are computed exactly as in one pass over the whole recording.
CONTEXT_FRAMES = 192

#: The channel widths of the six encoder layers, by name. The decoder mirrors them.
PRESETS = {
    "paper": (16, 32, 64, 128, 256, 512),
    "cpu": (8, 16, 32, 64, 128, 256),
}

#: How to install PyTorch; the message of the ``ModuleNotFoundError`` raised without it.
INSTALL_HINT = (
    "The U-Net needs PyTorch, which is not installed. From a clone of the course, run "
    "`python scripts/install_torch.py` (it picks the CPU build on Linux without an NVIDIA "
    "GPU; `make lab` runs it for you), or install the CPU build directly with "
    "`pip install torch --index-url https://download.pytorch.org/whl/cpu` (on Colab torch "
    "is already there)."
)

#: The files of the shipped model, in ``data/models/``.
PRETRAINED = {
    "cpu": {
        "weights": "unet_cpu.pt",
        "config": "unet_cpu.json",
        "log": "unet_cpu_training_log.json",
    }
}

_KERNEL = 5
_LEAKINESS = 0.2


def _sine_taper_window(n_fft: int = N_FFT, hop_length: int = HOP_LENGTH) -> np.ndarray:
    taper = n_fft - hop_length
    ramp = np.sin(0.5 * np.pi * (np.arange(taper) + 0.5) / taper)
    window = np.ones(n_fft)
    window[:taper] = ramp
    window[-taper:] = ramp[::-1]
    return window


#: The analysis window, ``(1024,)``: flat, with sine and cosine tapers of 256 samples, so
#: that at a hop of 768 samples the squares of overlapping windows sum to exactly 1 and the
#: inverse STFT is a plain overlap-add. The paper does not name its window; a Hann window
#: at this hop (3/4 of the frame) leaves stretches covered only by the tail of one window,
#: and the inverse STFT of a *masked* spectrogram divides by those near-zero tails: on the
#: validation songs even the ideal ratio mask then comes out 18 dB worse than the mixture
#: (SI-SDR), against 15 dB better with this window.
WINDOW = _sine_taper_window()


def _torch():
    """``import torch``, or a ``ModuleNotFoundError`` that says how to install it."""
    try:
        import torch
    except ImportError as exc:  # ModuleNotFoundError, or sys.modules["torch"] = None
        raise ModuleNotFoundError(INSTALL_HINT, name="torch") from exc
    return torch


# ---------------------------------------------------------------------------
# The network
# ---------------------------------------------------------------------------


def _check_channels(channels) -> tuple[int, ...]:
    if isinstance(channels, str):
        if channels not in PRESETS:
            raise ParameterError(
                f"channels={channels!r} is not a preset; choose from {sorted(PRESETS)} or give "
                "six ints such as (8, 16, 32, 64, 128, 256)"
            )
        return PRESETS[channels]
    if not isinstance(channels, (tuple, list)):
        raise TypeError(
            f"channels must be a preset name {sorted(PRESETS)} or a tuple of six ints, got "
            f"{_describe(channels)}"
        )
    if len(channels) != 6:
        raise ParameterError(
            f"channels={tuple(channels)!r} has {len(channels)} widths; the U-Net of Jansson et "
            "al. has six encoder layers, e.g. (8, 16, 32, 64, 128, 256)"
        )
    return tuple(check_int(c, f"channels[{i}]", minimum=1) for i, c in enumerate(channels))


def parameter_count(channels="cpu") -> int:
    """The number of trainable parameters of a :class:`UNet`, computed without torch.

    Used in 06_unet, §5 (the size of the model).

    Each 5x5 (transposed) convolution has ``25 * in * out`` weights and ``out``
    biases; each batch normalisation a scale and a shift per channel.

    Parameters
    ----------
    channels : str or tuple of 6 int
        A name in :data:`PRESETS` or the six encoder widths.

    Returns
    -------
    int

    Examples
    --------
    >>> parameter_count("paper"), parameter_count("cpu")
    (9823313, 2457257)
    >>> round(parameter_count("cpu") * 4 / 1e6, 1)  # MB as float32
    9.8
    """
    widths = _check_channels(channels)
    total = 0
    previous = 1
    for width in widths:  # encoder: conv + batch norm
        total += _KERNEL**2 * previous * width + width + 2 * width
        previous = width
    decoder_out = (*widths[-2::-1], 1)
    for index, width in enumerate(decoder_out):
        inputs = widths[-1] if index == 0 else 2 * widths[-1 - index]
        total += _KERNEL**2 * inputs * width + width
        if index < len(decoder_out) - 1:
            total += 2 * width  # batch norm (not on the output layer)
    return total


@functools.lru_cache(maxsize=1)
def _unet_class():
    """Build the :class:`UNet` class (a ``torch.nn.Module``) on first use."""
    torch = _torch()
    nn = torch.nn

    class UNet(nn.Module):
        """The U-Net of Jansson et al. (2017) for singing-voice separation: the network only.

        Used in 06_unet, §5 (the architecture), §6 (training) and §7 to §10 (separating).

        The input is a normalised magnitude spectrogram patch, ``(batch, 1, 512,
        frames)``; the output is a soft mask of the same shape, in [0, 1], for the
        lead (the voice). The estimate of the lead's magnitude is ``mask * input``.

        - Encoder: six 5x5 convolutions with stride 2 (no pooling), each followed by
          batch normalisation and a leaky ReLU (slope 0.2). Each halves both axes.
        - Decoder: six 5x5 transposed convolutions with stride 2, each doubling both
          axes, followed by batch normalisation and a ReLU; dropout (p = 0.5) in the
          first three. From the second on, each takes the previous decoder output
          concatenated with the encoder output of the same size (the skip
          connections that make it a U-Net [2]_). The last one has one output
          channel and a sigmoid: the mask.

        Training, evaluation and inference are separate functions (:func:`train`,
        :func:`predict_mask`, :func:`separate`); this class holds only the network.

        Parameters
        ----------
        channels : str or tuple of 6 int
            The encoder widths: ``"cpu"`` (8 ... 256, 2.5 M parameters, 9.8 MB as
            float32; the shipped model) or ``"paper"`` (16 ... 512, 9.8 M parameters,
            39 MB), or six ints. The decoder mirrors them.
        dropout : float
            The dropout probability of the first three decoder layers, in [0, 1).

        Attributes
        ----------
        channels : tuple of int
        config : dict
            What :func:`load_pretrained` needs to rebuild the network.

        Raises
        ------
        ModuleNotFoundError
            Without PyTorch (the message says how to install it).
        TypeError, ParameterError
            For a bad ``channels`` or ``dropout``.

        References
        ----------
        .. [1] Jansson et al., ISMIR 2017 (see the module docstring).
        .. [2] Ronneberger, Fischer and Brox, MICCAI 2015.
        """

        def __init__(self, *, channels="cpu", dropout: float = 0.5):
            super().__init__()
            widths = _check_channels(channels)
            dropout = check_finite_number(dropout, "dropout")
            if not 0 <= dropout < 1:
                raise ParameterError(f"dropout={dropout} must be in [0, 1)")
            self.channels = widths
            self.config = {"channels": list(widths), "dropout": dropout}
            pad = _KERNEL // 2
            self.encoder = nn.ModuleList()
            previous = 1
            for width in widths:
                self.encoder.append(nn.Sequential(
                    nn.Conv2d(previous, width, _KERNEL, stride=2, padding=pad),
                    nn.BatchNorm2d(width),
                    nn.LeakyReLU(_LEAKINESS),
                ))
                previous = width
            self.decoder = nn.ModuleList()
            outputs = (*widths[-2::-1], 1)
            for index, width in enumerate(outputs):
                inputs = widths[-1] if index == 0 else 2 * widths[-1 - index]
                layers = [nn.ConvTranspose2d(inputs, width, _KERNEL, stride=2, padding=pad,
                                             output_padding=1)]
                if index < len(outputs) - 1:
                    layers += [nn.BatchNorm2d(width), nn.ReLU()]
                    if index < 3:
                        layers.append(nn.Dropout(dropout))
                else:
                    layers.append(nn.Sigmoid())
                self.decoder.append(nn.Sequential(*layers))

        def forward(self, x):
            """The mask for a batch of normalised magnitudes ``(batch, 1, 512, frames)``.

            ``frames`` (and the 512 bins) must be multiples of 64; :func:`predict_mask`
            pads for you.
            """
            if x.ndim != 4 or x.shape[1] != 1:
                raise ParameterError(
                    f"the U-Net takes a tensor of shape (batch, 1, freq, frames), got "
                    f"{tuple(x.shape)}; add the channel axis with x[:, None]"
                )
            if x.shape[-2] % FRAME_MULTIPLE or x.shape[-1] % FRAME_MULTIPLE:
                raise ParameterError(
                    f"the U-Net needs freq and frames divisible by {FRAME_MULTIPLE}, got "
                    f"{tuple(x.shape[-2:])}; predict_mask pads the frames for you"
                )
            skips = []
            for layer in self.encoder:
                x = layer(x)
                skips.append(x)
            x = self.decoder[0](skips[-1])
            for index, layer in enumerate(self.decoder[1:], start=1):
                x = layer(torch.cat([x, skips[-1 - index]], dim=1))
            return x

        def extra_repr(self) -> str:
            n = sum(p.numel() for p in self.parameters())
            return f"channels={self.channels}, parameters={n:,}"

    UNet.__module__ = __name__
    UNet.__qualname__ = "UNet"
    return UNet


def __getattr__(name: str):
    # ``course_lib.unet.UNet`` is built (and torch imported) on first access.
    if name == "UNet":
        return _unet_class()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(set(globals()) | {"UNet"})


def _check_model(model):
    torch = _torch()
    if not isinstance(model, torch.nn.Module):
        raise TypeError(
            f"model must be a course_lib.unet.UNet (a torch.nn.Module), got {_describe(model)}; "
            "load the shipped one with load_pretrained().model"
        )
    return model


def set_seed(seed: int) -> None:
    """Seed Python's ``random``, numpy's global generator and torch (CPU and CUDA).

    Used in 06_unet, §6 (a reproducible training run).

    Parameters
    ----------
    seed : int
        A non-negative int.
    """
    seed = check_int(seed, "seed", minimum=0)
    random.seed(seed)
    np.random.seed(seed % 2**32)  # noqa: NPY002 (the global generator, for code that uses it)
    torch = _torch()
    torch.manual_seed(seed)
    if torch.cuda.is_available():
        torch.cuda.manual_seed_all(seed)


def _device(device):
    torch = _torch()
    if device is None:
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    try:
        return torch.device(device)
    except (RuntimeError, TypeError) as exc:
        raise ParameterError(
            f"device={device!r} is not a torch device; use None (CUDA when present, else the "
            "CPU), 'cpu' or 'cuda'"
        ) from exc


# ---------------------------------------------------------------------------
# Data
# ---------------------------------------------------------------------------


def _songs(songs, name: str):
    """A split name or a list of Examples -> list of Examples (8192 Hz, mono, lead stem)."""
    from . import data

    if isinstance(songs, str):
        songs = data.load_corpus(songs)
    if not isinstance(songs, (list, tuple)) or not songs:
        raise TypeError(
            f"{name} must be a corpus split name ('train', 'validation', 'test') or a non-empty "
            f"list of course_lib.data.Example, got {_describe(songs)}"
        )
    for index, song in enumerate(songs):
        if not isinstance(song, data.Example):
            raise TypeError(f"{name}[{index}] must be a course_lib.data.Example, got "
                            f"{_describe(song)}")
        if song.sr != SR or song.channels != 1 or "lead" not in song.stems:
            raise ParameterError(
                f"{name}[{index}] ({song.name!r}) must be mono at {SR} Hz with a 'lead' stem, "
                f"got {song!r}; the U-Net corpus (data.load_corpus) is"
            )
        if song.mixture.shape[-1] < N_FFT:
            raise ParameterError(f"{name}[{index}] ({song.name!r}) is shorter than one frame")
    return list(songs)


def _stft(y: np.ndarray) -> np.ndarray:
    """The model's STFT of a mono signal at 8192 Hz, ``(513, frames)`` complex64."""
    from . import stft as _stft_module

    return _stft_module.stft(y.astype(np.float32, copy=False), SR, n_fft=N_FFT,
                             hop_length=HOP_LENGTH, window=WINDOW)


class MixtureDataset:
    """Random training patches, remixed on the fly: mixture magnitude and lead magnitude.

    Used in 06_unet, §6 (the training data).

    The STFTs of each song's two stems are computed once and kept in memory; a patch
    is then a weighted sum of stem STFTs, which equals the STFT of the weighted sum
    of the stems (the STFT is linear), so remixing costs no STFT. Patch ``index``:

    1. picks a song and an offset (in frames) at random;
    2. takes that song's lead and, with probability ``remix_probability``, the
       accompaniment of another song (at its own random offset) instead of its own:
       an unmusical but useful augmentation, which multiplies the number of distinct
       mixtures and keeps the network from learning a song's accompaniment by heart;
    3. scales the lead and the accompaniment by independent random gains, uniform in
       ``[-gain_db, +gain_db]`` dB;
    4. returns the magnitudes of the mixture and of the lead over the lower 512 bins,
       both divided by the mixture's largest magnitude in the patch (so the input is
       in [0, 1], as in the paper).

    Everything is drawn from a generator seeded with ``(random_state, index)``: the
    same seed and index give the same patch, whatever was drawn before, and a
    training run is reproducible.

    Parameters
    ----------
    songs : str or list of course_lib.data.Example
        A corpus split (``"train"``, ``"validation"``, ``"test"``) or songs from
        :func:`course_lib.data.load_corpus`: mono, 8192 Hz, with stems ``"lead"`` and
        ``"accompaniment"``.
    patch_frames : int
        Frames per patch, a multiple of 64; 128 (11.9 s) as in the paper.
    gain_db : float
        The largest random gain of each stem, in dB (0 turns the gains off).
    remix_probability : float
        The probability of pairing the lead with another song's accompaniment.
    random_state : int
        The seed (a non-negative int: patches are drawn from ``(random_state, index)``).

    Attributes
    ----------
    songs : list of str
        The song names.
    lead_stfts, accompaniment_stfts : list of numpy.ndarray, each (513, frames) complex64
        The stems' STFTs.

    Raises
    ------
    TypeError, ParameterError
        For bad arguments, or songs that are not mono 8192 Hz with a lead stem, or
        shorter than ``patch_frames``.

    Examples
    --------
    >>> from course_lib.data import load_corpus
    >>> dataset = MixtureDataset(load_corpus("validation", limit=2), random_state=0)
    >>> mixture, lead = dataset.patch(0)
    >>> mixture.shape, lead.shape, float(mixture.max())
    ((512, 128), (512, 128), 1.0)
    >>> bool(np.array_equal(dataset.patch(7)[0], dataset.patch(7)[0]))
    True
    """

    def __init__(self, songs="train", *, patch_frames: int = PATCH_FRAMES,
                 gain_db: float = 6.0, remix_probability: float = 0.5, random_state: int = 0):
        songs = _songs(songs, "songs")
        self.patch_frames = check_int(patch_frames, "patch_frames", minimum=FRAME_MULTIPLE,
                                      unit="frames")
        if self.patch_frames % FRAME_MULTIPLE:
            raise ParameterError(
                f"patch_frames={patch_frames} must be a multiple of {FRAME_MULTIPLE} (the "
                "network halves the frames six times)"
            )
        self.gain_db = check_positive(gain_db, "gain_db", unit="dB", allow_zero=True)
        self.remix_probability = check_finite_number(remix_probability, "remix_probability")
        if not 0 <= self.remix_probability <= 1:
            raise ParameterError(f"remix_probability={remix_probability} must be in [0, 1]")
        self.random_state = check_int(random_state, "random_state", minimum=0)
        self.songs = [song.name for song in songs]
        self.lead_stfts = [_stft(song.stems["lead"]) for song in songs]
        self.accompaniment_stfts = [_stft(song.mixture - song.stems["lead"]) for song in songs]
        short = [name for name, S in zip(self.songs, self.lead_stfts, strict=True)
                 if S.shape[1] < self.patch_frames]
        if short:
            raise ParameterError(
                f"songs {short} have fewer than patch_frames={self.patch_frames} frames "
                f"({self.patch_frames * HOP_LENGTH / SR:.1f} s); use longer songs or fewer frames"
            )

    def __len__(self) -> int:
        return len(self.songs)

    def __repr__(self) -> str:
        return (f"MixtureDataset({len(self)} songs, patches of {N_BINS} x {self.patch_frames}, "
                f"gains +-{self.gain_db:g} dB, remix p={self.remix_probability:g}, "
                f"random_state={self.random_state})")

    def patch(self, index: int) -> tuple[np.ndarray, np.ndarray]:
        """Patch number ``index``: ``(mixture, lead)`` magnitudes, each ``(512, patch_frames)``.

        float32, both divided by the mixture's largest magnitude (so ``mixture.max()``
        is 1, unless the patch is silent).
        """
        index = check_int(index, "index", minimum=0)
        rng = np.random.default_rng((self.random_state, index))
        n = len(self.songs)
        song = int(rng.integers(n))
        other = song
        if n > 1 and rng.random() < self.remix_probability:
            other = int((song + 1 + rng.integers(n - 1)) % n)
        frames = self.patch_frames
        start = int(rng.integers(self.lead_stfts[song].shape[1] - frames + 1))
        lead = self.lead_stfts[song][:N_BINS, start:start + frames]
        if other != song:  # another song's accompaniment, at its own random offset
            start = int(rng.integers(self.accompaniment_stfts[other].shape[1] - frames + 1))
        accompaniment = self.accompaniment_stfts[other][:N_BINS, start:start + frames]
        gains = 10.0 ** (rng.uniform(-self.gain_db, self.gain_db, size=2) / 20)
        lead = lead * np.float32(gains[0])
        mixture = np.abs(lead + accompaniment * np.float32(gains[1]))
        lead = np.abs(lead)
        scale = float(mixture.max())
        if scale > 0:
            mixture /= scale
            lead /= scale
        return mixture.astype(np.float32), lead.astype(np.float32)

    def batch(self, indices) -> tuple[np.ndarray, np.ndarray]:
        """Patches ``indices`` stacked: ``(mixture, lead)``, each ``(batch, 1, 512, frames)``."""
        pairs = [self.patch(int(i)) for i in indices]
        return (np.stack([p[0] for p in pairs])[:, None], np.stack([p[1] for p in pairs])[:, None])


def _validation_patches(songs, patch_frames: int) -> tuple[np.ndarray, np.ndarray]:
    """Fixed validation patches: the first and last ``patch_frames`` of every song, unmixed."""
    mixtures, leads = [], []
    for song in songs:
        X = _stft(song.mixture)
        L = _stft(song.stems["lead"])
        n = X.shape[1]
        if n < patch_frames:
            raise ParameterError(f"validation song {song.name!r} is shorter than one patch")
        for start in sorted({0, n - patch_frames}):
            mixture = np.abs(X[:N_BINS, start:start + patch_frames])
            lead = np.abs(L[:N_BINS, start:start + patch_frames])
            scale = max(float(mixture.max()), np.finfo(np.float32).tiny)
            mixtures.append(mixture / scale)
            leads.append(lead / scale)
    return (np.stack(mixtures)[:, None].astype(np.float32),
            np.stack(leads)[:, None].astype(np.float32))


# ---------------------------------------------------------------------------
# Training
# ---------------------------------------------------------------------------


@dataclass(frozen=True, repr=False)
class TrainingResult:
    """What :func:`train` returns: the trained model and its loss history.

    Used in 06_unet, §6 (the loss curves).

    Attributes
    ----------
    model : UNet
        The model with the weights of the best validation epoch, in eval mode, on the CPU.
    train_loss : numpy.ndarray, shape (epochs_run,)
        The mean L1 training loss of each epoch (with dropout on, over random patches).
    validation_loss : numpy.ndarray, shape (epochs_run,)
        The mean L1 loss on the fixed validation patches after each epoch (eval mode).
    seconds : numpy.ndarray, shape (epochs_run,)
        Wall-clock seconds from the start to the end of each epoch.
    best_epoch : int
        The epoch (1-based) whose weights ``model`` holds.
    stopped_early : bool
        Whether ``patience`` epochs without improvement ended the run.
    config : dict
        The settings of the run (everything needed to run it again).
    """

    model: object
    train_loss: np.ndarray
    validation_loss: np.ndarray
    seconds: np.ndarray
    best_epoch: int
    stopped_early: bool
    config: dict = field(default_factory=dict)

    @property
    def best_validation_loss(self) -> float:
        return float(self.validation_loss[self.best_epoch - 1])

    @property
    def epochs(self) -> int:
        return len(self.train_loss)

    def log(self) -> list[dict]:
        """One dict per epoch: ``epoch``, ``train_loss``, ``validation_loss``, ``seconds``."""
        return [
            {"epoch": i + 1, "train_loss": float(t), "validation_loss": float(v),
             "seconds": float(s)}
            for i, (t, v, s) in enumerate(zip(self.train_loss, self.validation_loss,
                                              self.seconds, strict=True))
        ]

    def __repr__(self) -> str:
        return (f"TrainingResult({self.epochs} epochs, best validation L1 "
                f"{self.best_validation_loss:.5f} at epoch {self.best_epoch}"
                f"{', stopped early' if self.stopped_early else ''}, "
                f"{self.seconds[-1] if self.epochs else 0:.0f} s)")


def _l1(model, mixture, lead):
    return (model(mixture) * mixture - lead).abs().mean()


def _evaluate(model, mixtures, leads, device, batch_size: int) -> float:
    torch = _torch()
    model.eval()
    total = 0.0
    with torch.no_grad():
        for first in range(0, len(mixtures), batch_size):
            x = torch.from_numpy(mixtures[first:first + batch_size]).to(device)
            y = torch.from_numpy(leads[first:first + batch_size]).to(device)
            total += float(_l1(model, x, y)) * len(x)
    return total / len(mixtures)


def train(
    model,
    dataset,
    *,
    validation="validation",
    epochs: int = 30,
    steps_per_epoch: int = 40,
    batch_size: int = 8,
    learning_rate: float = 1e-3,
    patience: int = 5,
    checkpoint=None,
    device=None,
    random_state: int = 0,
    time_limit: float | None = None,
    callback=None,
    progress: bool = True,
) -> TrainingResult:
    """Train a :class:`UNet` with Adam on the L1 loss of the masked mixture.

    Used in 06_unet, §6 (training) and by ``scripts/train_unet.py`` (the shipped model).

    The loss of Jansson et al. [1]_ is ``|| f(X) * X - Y ||_{1,1}``: the network's mask
    ``f(X)`` times the mixture magnitude ``X`` against the lead's magnitude ``Y``,
    all normalised by the patch maximum; here its mean over bins, frames and the
    batch. Each epoch is ``steps_per_epoch`` Adam [4]_ steps on batches of
    ``batch_size`` patches of ``dataset`` (patch indices ``epoch * steps * batch``
    onwards, so every epoch sees new patches and a rerun sees the same ones), then
    the loss on fixed validation patches (the first and last 128 frames of each
    validation song, unmixed) in eval mode. The weights of the best validation
    epoch are kept (and saved to ``checkpoint``); training stops after ``patience``
    epochs without improvement, or at ``epochs``.

    Parameters
    ----------
    model : UNet
        The network to train (modified in place, then set to the best weights).
    dataset : MixtureDataset
        The training patches.
    validation : str or list of course_lib.data.Example
        The validation songs (a corpus split name, or songs).
    epochs : int
        The most epochs to run.
    steps_per_epoch : int
        Adam steps per epoch.
    batch_size : int
        Patches per step.
    learning_rate : float
        Adam's step size.
    patience : int
        Stop after this many epochs without a lower validation loss (0: never stop early).
    checkpoint : str or pathlib.Path, optional
        Where to save the best weights (a float32 ``state_dict``, ``torch.save``) each
        time the validation loss improves.
    device : str or torch.device, optional
        ``None``: CUDA when available, else the CPU.
    random_state : int
        Seeds torch, numpy and ``random`` (:func:`set_seed`) and orders the patches. The
        initial weights are drawn when the model is built: call ``set_seed`` before
        ``UNet(...)`` too for a run that can be repeated exactly.
    time_limit : float, optional
        Stop after the first epoch that ends later than this many seconds.
    callback : callable, optional
        Called after every epoch with one dict, ``{"epoch", "train_loss",
        "validation_loss", "seconds", "best_epoch"}`` (e.g. to print or save a log while
        training runs).
    progress : bool
        Show a ``tqdm`` bar (one step per Adam step) with the latest losses.

    Returns
    -------
    TrainingResult
        The model (best weights, eval mode, CPU) and the per-epoch losses.

    Raises
    ------
    ModuleNotFoundError
        Without PyTorch.
    TypeError, ParameterError
        For bad arguments.

    References
    ----------
    .. [1] Jansson et al., ISMIR 2017. .. [4] Kingma and Ba, ICLR 2015.
    """
    torch = _torch()
    model = _check_model(model)
    if not isinstance(dataset, MixtureDataset):
        raise TypeError(f"dataset must be a MixtureDataset, got {_describe(dataset)}")
    validation_songs = _songs(validation, "validation")
    epochs = check_int(epochs, "epochs", minimum=1)
    steps_per_epoch = check_int(steps_per_epoch, "steps_per_epoch", minimum=1)
    batch_size = check_int(batch_size, "batch_size", minimum=1)
    learning_rate = check_positive(learning_rate, "learning_rate")
    patience = check_int(patience, "patience", minimum=0)
    random_state = check_int(random_state, "random_state", minimum=0)
    if time_limit is not None:
        time_limit = check_positive(time_limit, "time_limit", unit="s")
    progress = check_bool(progress, "progress")
    if callback is not None and not callable(callback):
        raise TypeError(f"callback must be a function or None, got {_describe(callback)}")
    if checkpoint is not None:
        checkpoint = check_path(checkpoint, "checkpoint")
    device = _device(device)

    set_seed(random_state)
    val_mixtures, val_leads = _validation_patches(validation_songs, dataset.patch_frames)
    order = np.random.default_rng(random_state).permutation(2**20)  # patch indices, shuffled
    model.to(device)
    optimizer = torch.optim.Adam(model.parameters(), lr=learning_rate)
    config = {
        "channels": list(getattr(model, "channels", ())),
        "dropout": getattr(model, "config", {}).get("dropout"),
        "sr": SR, "n_fft": N_FFT, "hop_length": HOP_LENGTH, "n_bins": N_BINS,
        "patch_frames": dataset.patch_frames, "gain_db": dataset.gain_db,
        "remix_probability": dataset.remix_probability, "dataset_seed": dataset.random_state,
        "train_songs": len(dataset), "validation_songs": len(validation_songs),
        "validation_patches": len(val_mixtures), "epochs": epochs,
        "steps_per_epoch": steps_per_epoch, "batch_size": batch_size,
        "learning_rate": learning_rate, "patience": patience, "random_state": random_state,
        "time_limit": time_limit, "device": str(device),
        "loss": "mean |sigmoid mask * |X| - |Y||, magnitudes divided by the patch maximum",
        "normalisation": "input divided by its maximum magnitude (patch in training, "
                         "whole recording at inference)",
    }
    bar = None
    if progress:
        from tqdm.auto import tqdm

        bar = tqdm(total=epochs * steps_per_epoch, desc="U-Net training", leave=False)
    train_losses, val_losses, seconds = [], [], []
    best_loss, best_epoch, best_state = math.inf, 0, None
    stopped_early = False
    start = time.perf_counter()
    try:
        for epoch in range(epochs):
            model.train()
            running = 0.0
            for step in range(steps_per_epoch):
                first = (epoch * steps_per_epoch + step) * batch_size
                indices = order[np.arange(first, first + batch_size) % len(order)]
                mixture, lead = dataset.batch(indices)
                x = torch.from_numpy(mixture).to(device)
                y = torch.from_numpy(lead).to(device)
                optimizer.zero_grad()
                loss = _l1(model, x, y)
                loss.backward()
                optimizer.step()
                running += loss.item()
                if bar is not None:
                    bar.update(1)
                    bar.set_postfix(train=f"{running / (step + 1):.4f}",
                                    val=f"{val_losses[-1]:.4f}" if val_losses else "-")
            train_losses.append(running / steps_per_epoch)
            val_losses.append(_evaluate(model, val_mixtures, val_leads, device, batch_size))
            seconds.append(time.perf_counter() - start)
            if val_losses[-1] < best_loss:
                best_loss, best_epoch = val_losses[-1], epoch + 1
                best_state = {k: v.detach().to("cpu", copy=True)
                              for k, v in model.state_dict().items()}
                if checkpoint is not None:
                    checkpoint.parent.mkdir(parents=True, exist_ok=True)
                    torch.save(best_state, checkpoint)
            if callback is not None:
                callback({"epoch": epoch + 1, "train_loss": train_losses[-1],
                          "validation_loss": val_losses[-1], "seconds": seconds[-1],
                          "best_epoch": best_epoch})
            if patience and epoch + 1 - best_epoch >= patience:
                stopped_early = True
                break
            if time_limit is not None and seconds[-1] > time_limit:
                break
    finally:
        if bar is not None:
            bar.close()
    model.load_state_dict(best_state)
    model.to("cpu").eval()
    return TrainingResult(
        model=model, train_loss=np.asarray(train_losses), validation_loss=np.asarray(val_losses),
        seconds=np.asarray(seconds), best_epoch=best_epoch, stopped_early=stopped_early,
        config=config,
    )


# ---------------------------------------------------------------------------
# Inference
# ---------------------------------------------------------------------------


def _check_mixture_stft(mixture_stft) -> np.ndarray:
    X = check_spectrogram(mixture_stft, "mixture_stft", ndims=(2,))
    if X.shape[0] != N_FFT // 2 + 1:
        raise ParameterError(
            f"mixture_stft has {X.shape[0]} bins; the U-Net's STFT has {N_FFT // 2 + 1} "
            f"(n_fft={N_FFT} at {SR} Hz, hop_length={HOP_LENGTH})"
        )
    return X


def predict_mask(model, mixture_stft, *, chunk_frames: int | None = PATCH_FRAMES,
                 batch_size: int = 4) -> np.ndarray:
    """The U-Net's soft mask for the lead, over a whole recording.

    Used in 06_unet, §7 (what the network hears) and by :func:`separate`.

    The magnitude ``|X|`` of the lower 512 bins is divided by its maximum over the
    whole recording, padded with zero frames to a multiple of 64, and passed through
    the network in eval mode (no dropout, batch normalisation with its running
    statistics), so the result is deterministic.

    With ``chunk_frames=None`` the whole recording goes through the network in one
    pass (the memory grows with its length). Otherwise it is cut into chunks of
    ``chunk_frames`` frames, each passed with :data:`CONTEXT_FRAMES` (192) frames of
    the recording on either side, of which only the chunk's own frames are kept
    (centre cropping). The context is longer than the network's receptive field, so
    the chunked mask equals the one-pass mask up to float32 rounding (about 1e-6).

    Parameters
    ----------
    model : UNet
        A trained network (e.g. ``load_pretrained().model``); set to eval mode.
    mixture_stft : numpy.ndarray, shape (513, frames)
        The mixture's STFT (or magnitude) with the model's parameters: 8192 Hz,
        ``n_fft=1024``, ``hop_length=768``.
    chunk_frames : int or None
        Frames kept per chunk, a multiple of 64, or ``None`` for a single pass.
    batch_size : int
        Chunks per forward pass.

    Returns
    -------
    numpy.ndarray, shape (513, frames), float32
        The mask in [0, 1]; the Nyquist bin's mask is 0.

    Raises
    ------
    ModuleNotFoundError
        Without PyTorch.
    TypeError, ParameterError
        For a bad model, STFT or chunk size.
    """
    torch = _torch()
    model = _check_model(model)
    X = _check_mixture_stft(mixture_stft)
    if chunk_frames is not None:
        chunk_frames = check_int(chunk_frames, "chunk_frames", minimum=FRAME_MULTIPLE,
                                 unit="frames")
        if chunk_frames % FRAME_MULTIPLE:
            raise ParameterError(f"chunk_frames={chunk_frames} must be a multiple of "
                                 f"{FRAME_MULTIPLE}, e.g. {PATCH_FRAMES}")
    batch_size = check_int(batch_size, "batch_size", minimum=1)
    magnitude = np.abs(X[:N_BINS]).astype(np.float32)
    scale = float(magnitude.max())
    n_frames = magnitude.shape[1]
    mask = np.zeros((N_FFT // 2 + 1, n_frames), dtype=np.float32)
    if scale == 0:  # silence: nothing to separate, the lead gets nothing
        return mask
    padded_frames = -(-n_frames // FRAME_MULTIPLE) * FRAME_MULTIPLE
    padded = np.zeros((N_BINS, padded_frames), dtype=np.float32)
    padded[:, :n_frames] = magnitude / scale
    model.eval()
    parameter = next(model.parameters())
    device = parameter.device
    with torch.no_grad():
        if chunk_frames is None or chunk_frames >= padded_frames:
            x = torch.from_numpy(padded)[None, None].to(device, parameter.dtype)
            out = model(x)[0, 0].float().cpu().numpy()
        else:
            out = np.zeros_like(padded)
            windows = []
            for start in range(0, padded_frames, chunk_frames):
                stop = min(start + chunk_frames, padded_frames)
                first = max(0, start - CONTEXT_FRAMES)
                last = min(padded_frames, stop + CONTEXT_FRAMES)
                windows.append((start, stop, first, last))
            # chunks of the same input length go through the network together
            by_length = {}
            for window in windows:
                by_length.setdefault(window[3] - window[2], []).append(window)
            for group in by_length.values():
                for b in range(0, len(group), batch_size):
                    part = group[b:b + batch_size]
                    x = np.stack([padded[:, first:last] for _, _, first, last in part])
                    x = torch.from_numpy(x)[:, None].to(device, parameter.dtype)
                    y = model(x)[:, 0].float().cpu().numpy()
                    for k, (start, stop, first, _) in enumerate(part):
                        out[:, start:stop] = y[k, :, start - first:stop - first]
    mask[:N_BINS] = out[:, :n_frames]
    return mask


@dataclass(frozen=True, repr=False)
class Separation:
    """The lead and the accompaniment separated by :func:`separate`, at :data:`SR` Hz.

    Unpacks as ``lead, accompaniment = separate(...)``. Used in 06_unet, §7, §8 and §10.

    Attributes
    ----------
    lead, accompaniment : numpy.ndarray, shape (samples,), float32
        The two estimates at ``sr`` (8192 Hz, the model's rate, whatever the input's
        rate was), as long as the mixture resampled to 8192 Hz.
    sr : int
        8192.
    mask : numpy.ndarray, shape (513, frames)
        The network's mask for the lead (before any Wiener refinement).
    mixture : numpy.ndarray, shape (samples,)
        The mono 8192 Hz mixture that was separated (after any downmix and resampling).
    """

    lead: np.ndarray
    accompaniment: np.ndarray
    sr: int
    mask: np.ndarray
    mixture: np.ndarray

    def __iter__(self):
        return iter((self.lead, self.accompaniment))

    def __len__(self) -> int:
        return 2

    def sources(self) -> np.ndarray:
        """``(2, samples)``: lead then accompaniment, as the corpus's stems are ordered."""
        return np.stack([self.lead, self.accompaniment])

    def __repr__(self) -> str:
        return (f"Separation(lead and accompaniment, {self.lead.shape[-1] / self.sr:.1f} s at "
                f"{self.sr} Hz)")


_PHASES = ("mixture", "griffin_lim")


def separate(
    model,
    mixture,
    sr,
    *,
    wiener_iterations: int = 0,
    phase: str = "mixture",
    chunk_frames: int | None = PATCH_FRAMES,
    griffin_lim_iterations: int = 32,
    random_state=None,
) -> Separation:
    """Separate the lead (voice) from the accompaniment of a recording with a U-Net.

    Used in 06_unet, §7 (two test songs), §8 (Griffin-Lim) and §10 (your own recording).

    1. The mixture is downmixed to mono and resampled to 8192 Hz when needed (each
       with a warning); the results are at 8192 Hz, the model's rate.
    2. Its STFT ``X`` (``n_fft=1024``, ``hop_length=768``) goes through
       :func:`predict_mask` (in chunks, see there): the lead's mask ``M``.
    3. ``phase="mixture"`` (the paper's choice): the lead's STFT is ``M X`` (its
       magnitude ``M |X|`` with the mixture's phase) and the accompaniment's
       ``(1 - M) X``, so the two sum to the mixture exactly.
       ``phase="griffin_lim"``: each magnitude, ``M |X|`` and ``(1 - M) |X|``, gets
       a phase from Griffin-Lim instead (they no longer sum to the mixture).
    4. With ``wiener_iterations > 0``, the estimates of step 3 (magnitudes ``M |X|``
       and ``(1 - M) |X|`` with the mixture's phase) are refined by that many EM
       iterations of the Wiener filter (:func:`course_lib.wiener.wiener` with
       ``use_softmask=False``), as open-unmix does [3]_; the estimates still sum to
       the mixture.

    The STFT is fixed by the model (it was trained with it), so this function does
    not take the course's ``frame`` / ``hop`` keywords.

    Parameters
    ----------
    model : UNet
        E.g. ``load_pretrained().model``.
    mixture : numpy.ndarray, shape (samples,) or (channels, samples)
        The recording, float32 or float64, at least one STFT frame (1024 samples at
        8192 Hz, 125 ms) long.
    sr : int or float
        Its sample rate in Hz.
    wiener_iterations : int
        EM iterations of the Wiener filter; 0 (default) uses the mask alone.
    phase : {"mixture", "griffin_lim"}
        Where the phase comes from (``"griffin_lim"`` cannot be combined with Wiener).
    chunk_frames : int or None
        See :func:`predict_mask`.
    griffin_lim_iterations : int
        Iterations of Griffin-Lim when ``phase="griffin_lim"``.
    random_state : None, int or numpy.random.Generator
        The initial phase of Griffin-Lim.

    Returns
    -------
    Separation
        ``lead, accompaniment = separate(...)``; also ``.sr`` (8192), ``.mask`` and
        ``.mixture`` (the mono 8192 Hz input).

    Raises
    ------
    ModuleNotFoundError
        Without PyTorch.
    TypeError
        For a mixture that is not a float array, or options of the wrong type.
    ParameterError
        For an empty mixture, non-finite samples, a mixture shorter than one frame,
        an unknown ``phase`` or Griffin-Lim with Wiener.

    Examples
    --------
    >>> from course_lib.data import load_corpus
    >>> song = load_corpus("test", limit=1)[0]
    >>> lead, accompaniment = separate(load_pretrained().model, song.mixture, song.sr)
    >>> lead.shape == song.mixture.shape
    True
    """
    from . import audio as _audio
    from . import stft as _stft_module

    model = _check_model(model)
    y = check_audio(mixture, "mixture")
    sr = check_sample_rate(sr)
    wiener_iterations = check_int(wiener_iterations, "wiener_iterations", minimum=0)
    griffin_lim_iterations = check_int(griffin_lim_iterations, "griffin_lim_iterations",
                                       minimum=1)
    if not isinstance(phase, str):
        raise TypeError(f"phase must be one of {_PHASES}, got {_describe(phase)}")
    if phase not in _PHASES:
        raise ParameterError(f"phase={phase!r} is unknown; choose from {_PHASES}")
    if phase == "griffin_lim" and wiener_iterations:
        raise ParameterError(
            f"phase='griffin_lim' cannot be combined with wiener_iterations="
            f"{wiener_iterations}: the Wiener filter keeps the mixture's phase. Use one or "
            "the other"
        )
    if y.ndim == 2:
        if y.shape[0] > 1:
            warnings.warn(f"mixture has {y.shape[0]} channels; the U-Net separates their "
                          "mean (mono)", stacklevel=2)
        y = _audio.to_mono(y)
    if sr != SR:
        warnings.warn(f"mixture is at {sr} Hz; resampling it to the model's {SR} Hz (the "
                      f"results are at {SR} Hz)", stacklevel=2)
        y = _audio.resample(y, sr, target_sr=SR)
    if y.shape[-1] < N_FFT:
        raise ParameterError(
            f"mixture has {y.shape[-1]} samples at {SR} Hz, shorter than one STFT frame "
            f"({N_FFT} samples, {N_FFT / SR * 1000:.0f} ms); give at least that much audio"
        )
    y = y.astype(np.float32, copy=False)
    X = _stft(y)
    mask = predict_mask(model, X, chunk_frames=chunk_frames)
    keywords = {"n_fft": N_FFT, "hop_length": HOP_LENGTH, "window": WINDOW,
                "length": y.shape[-1]}
    if wiener_iterations:
        from .wiener import wiener

        magnitudes = np.stack([mask * np.abs(X), (1 - mask) * np.abs(X)]).astype(np.float64)
        estimates = wiener(magnitudes, X.astype(np.complex128), iterations=wiener_iterations,
                           use_softmask=False)
        lead = _stft_module.istft(estimates[0], SR, **keywords)
        accompaniment = _stft_module.istft(estimates[1], SR, **keywords)
    elif phase == "mixture":
        lead = _stft_module.istft(mask * X, SR, **keywords)
        accompaniment = y - lead
    else:
        rng = check_random_state(random_state)
        lead, accompaniment = (
            _stft_module.griffin_lim((m * np.abs(X)).astype(np.float32), SR,
                                     n_iter=griffin_lim_iterations, random_state=rng, **keywords)
            for m in (mask, 1 - mask)
        )
    return Separation(lead=np.asarray(lead, dtype=np.float32),
                      accompaniment=np.asarray(accompaniment, dtype=np.float32),
                      sr=SR, mask=mask, mixture=y)


# ---------------------------------------------------------------------------
# The shipped model
# ---------------------------------------------------------------------------


@dataclass(frozen=True, repr=False)
class Pretrained:
    """The shipped U-Net with what made it. Returned by :func:`load_pretrained`.

    Used in 06_unet, §6 (its training curves) and §7 (separating with it).

    Attributes
    ----------
    model : UNet
        The network in eval mode, on the CPU.
    config : dict
        Its training configuration (as :attr:`TrainingResult.config`, plus the
        parameter count and file size).
    command : str
        The shell command that trained it (from the repository's root).
    log : list of dict
        One entry per epoch: ``epoch``, ``train_loss``, ``validation_loss``, ``seconds``.
    torch_version : str
        The PyTorch version it was trained with.
    path : pathlib.Path
        The weights file.
    """

    model: object
    config: dict
    command: str
    log: list
    torch_version: str
    path: Path

    @property
    def train_loss(self) -> np.ndarray:
        return np.array([entry["train_loss"] for entry in self.log])

    @property
    def validation_loss(self) -> np.ndarray:
        return np.array([entry["validation_loss"] for entry in self.log])

    def __repr__(self) -> str:
        best = min(self.validation_loss) if self.log else float("nan")
        return (f"Pretrained(U-Net {tuple(self.config.get('channels', ()))}, {len(self.log)} "
                f"epochs, best validation L1 {best:.5f}; trained with `{self.command}`)")


def load_pretrained(name: str = "cpu", *, models_dir=None) -> Pretrained:
    """The U-Net shipped in ``data/models/``, with its configuration and training log.

    Used in 06_unet, §6 and §7.

    Parameters
    ----------
    name : str
        The model: ``"cpu"`` (the :data:`PRESETS` ``"cpu"`` widths, trained by ``make
        train-unet``).
    models_dir : str or pathlib.Path, optional
        The folder holding the files; ``data/models/`` of the course by default.

    Returns
    -------
    Pretrained
        ``.model`` (eval mode, CPU), ``.config``, ``.command``, ``.log``,
        ``.torch_version``, ``.path``.

    Raises
    ------
    ModuleNotFoundError
        Without PyTorch.
    ParameterError
        For an unknown ``name``.
    course_lib.data.DataNotFoundError
        When the files are missing (the message says how to get or make them).

    Examples
    --------
    >>> pretrained = load_pretrained()
    >>> pretrained.model.channels
    (8, 16, 32, 64, 128, 256)
    """
    from . import data

    torch = _torch()
    if not isinstance(name, str):
        raise TypeError(f"name must be a str such as 'cpu', got {_describe(name)}")
    if name not in PRETRAINED:
        raise ParameterError(f"name={name!r} is not a shipped model; choose from "
                             f"{sorted(PRETRAINED)}")
    folder = data.data_dir() / "models" if models_dir is None else check_path(
        models_dir, "models_dir")
    files = {key: folder / value for key, value in PRETRAINED[name].items()}
    missing = [str(path) for path in files.values() if not path.is_file()]
    if missing:
        raise data.DataNotFoundError(
            f"the shipped U-Net files {missing} are missing. They come with the course "
            "repository (data/models/); restore them with `git checkout data/models/`, or "
            "train the model again with `make train-unet` (about 30 minutes on 2 CPU cores)"
        )
    with open(files["config"], encoding="utf-8") as fh:
        config = json.load(fh)
    with open(files["log"], encoding="utf-8") as fh:
        log = json.load(fh)
    model = _unet_class()(channels=tuple(config["channels"]), dropout=config.get("dropout", 0.5))
    state = torch.load(files["weights"], map_location="cpu", weights_only=True)
    model.load_state_dict({k: v.float() if v.is_floating_point() else v
                           for k, v in state.items()})
    model.eval()
    return Pretrained(model=model, config=config, command=config.get("command", ""),
                      log=log.get("epochs", []), torch_version=config.get("torch_version", ""),
                      path=files["weights"])


def _command_line() -> str:
    """The command that is running, as one shell line (for training logs)."""
    return " ".join(shlex.quote(part) for part in [Path(sys.executable).name, *sys.argv])
