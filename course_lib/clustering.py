"""Clustering NMF bases into sources, after Spiertz & Gnann (2009).

Blind NMF of a mixture's magnitude spectrogram, ``V ≈ W @ H``, finds bases (spectral
templates) but does not say which instrument each one belongs to. Separating the
mixture is then a classification problem without labels: give each basis a source
label, and resynthesise each source from its group of bases with
:func:`course_lib.nmf.component_signals` (``groups=labels``).

Spiertz and Gnann [1]_ label the bases by their *spectral envelope*. In the
source-filter model a basis is an excitation (the pitch, the "source") shaped by an
instrument's resonances (the "filter"); on a log scale the product becomes a sum,
``log(E · F) = log E + log F``, and a smooth mel representation of the log spectrum
keeps mostly the filter. Two methods work on these features:

- **MFCC + k-means**: the first MFCCs (C(0) to C(8)) of each basis, standardised
  across the bases, clustered by k-means (k-means++ initialisation);
- **second NMF**: the log-mel matrix of the bases ``(n_mels, rank)`` is factorised
  again, ``L ≈ A @ B`` with ``n_sources`` components (Euclidean cost); ``A``'s columns
  are normalised to sum to one, so that the activations ``B`` compare across
  components, and each basis takes the component with the largest activation.

The defaults are the reference blog's: squared bases, 20 mel channels with unit-area
triangles snapped to FFT bins, ``log10(1 + 1e4 · M / max(M))``, 9 MFCCs, k-means++ with
10 restarts, a second NMF of 100 iterations.

Shapes
------
``W`` (bases) ``(freq, rank)`` with ``freq = 1 + n_fft // 2``, as :func:`course_lib.nmf.nmf`
returns it; ``H`` (activations) ``(rank, frames)``; features are ``(n_features, rank)``,
one column per basis (like a spectrogram whose frames are the bases); labels are ints
``(rank,)`` in ``0 .. n_sources - 1``; stem STFTs ``(sources, freq, frames)``.

- :func:`basis_features`: the log-mel spectra and MFCCs of the bases (:class:`BasisFeatures`);
- :func:`cluster_features`: k-means or second NMF on them (:class:`ClusteringResult`);
- :func:`cluster_bases`: both steps at once, returning the labels;
- :func:`oracle_labels`: the labels the true sources would give (the upper bound);
- :func:`relabel`: labels renumbered in the order of the references, after
  :func:`course_lib.metrics.match_sources`.

No function modifies its arguments.

References
----------
.. [1] M. Spiertz and V. Gnann, "Source-filter based clustering for monaural blind
   source separation", Proc. 12th Int. Conference on Digital Audio Effects (DAFx),
   Como, 2009.
.. [2] D. Arthur and S. Vassilvitskii, "k-means++: the advantages of careful seeding",
   Proc. ACM-SIAM SODA, 2007.
.. [3] D. D. Lee and H. S. Seung, "Algorithms for non-negative matrix factorization",
   NIPS 13, 2001.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass

import numpy as np

from . import features as _features
from . import nmf as _nmf
from ._validation import (
    ParameterError,
    _describe,
    check_int,
    check_name_list,
    check_nonnegative_matrix,
    check_positive,
    check_random_state,
    check_sample_rate,
    check_stem_stfts,
)

__all__ = [
    "METHODS",
    "BasisFeatures",
    "ClusteringResult",
    "basis_features",
    "cluster_features",
    "cluster_bases",
    "oracle_labels",
    "relabel",
]

#: The clustering methods of Spiertz & Gnann: MFCC + k-means, and the second NMF.
METHODS = ("kmeans", "nmf")
_ON_EMPTY = ("fill", "raise")
_NORMALIZE = ("unit_sum", "energy")


# ---------------------------------------------------------------------------
# Features
# ---------------------------------------------------------------------------


@dataclass(frozen=True, repr=False)
class BasisFeatures:
    """The source-filter features of NMF bases, one column per basis.

    Made by :func:`basis_features`; clustered by :func:`cluster_features`. Used in
    03_mfcc_clustering, §4 and §5 (the features of the bases and their 2-D view).

    Attributes
    ----------
    log_mel : numpy.ndarray, shape (n_mels, rank)
        ``log10(1 + amax · M / max(M))`` with ``M = mel_basis @ W**power``: the
        compressed mel spectrum of each basis, in ``[0, log10(1 + amax)]``. The input
        of the second NMF.
    mfcc : numpy.ndarray, shape (n_mfcc, rank)
        The first MFCCs (orthonormal DCT-II) of each column of ``log_mel``, C(0) first.
    standardized_mfcc : numpy.ndarray, shape (n_mfcc, rank)
        ``mfcc`` with each coefficient (row) shifted to mean 0 and scaled to standard
        deviation 1 across the bases (population standard deviation). A row that is
        constant across the bases is set to 0. The input of k-means.
    mel_basis : numpy.ndarray, shape (n_mels, freq)
        The filterbank used (:func:`course_lib.features.mel_filterbank`).
    center_frequencies : numpy.ndarray, shape (n_mels,)
        The centre frequency of each mel channel in Hz (before any snapping to bins),
        for the axis of a figure.
    sr : int or float
        Sample rate in Hz.
    n_fft : int
        FFT size in samples.
    amax : float
        The compression level of ``log_mel``.
    power : float
        The exponent applied to the bases (2: power spectra, as the reference).
    """

    log_mel: np.ndarray
    mfcc: np.ndarray
    standardized_mfcc: np.ndarray
    mel_basis: np.ndarray
    center_frequencies: np.ndarray
    sr: int | float
    n_fft: int
    amax: float
    power: float

    @property
    def rank(self) -> int:
        """The number of bases (columns)."""
        return self.log_mel.shape[1]

    @property
    def n_mels(self) -> int:
        return self.log_mel.shape[0]

    @property
    def n_mfcc(self) -> int:
        return self.mfcc.shape[0]

    def pca(self, *, n_components: int = 2) -> np.ndarray:
        """The standardised MFCCs projected on their principal axes, for a 2-D view.

        Used in 03_mfcc_clustering, §5 (the bases as points, coloured by source).

        Parameters
        ----------
        n_components : int
            How many axes, ``1 <= n_components <= min(n_mfcc, rank)``.

        Returns
        -------
        numpy.ndarray, shape (n_components, rank)
            Row ``i`` holds every basis's coordinate on the ``i``-th principal axis
            (largest variance first), so ``x, y = features.pca()`` are ready to scatter.
            The sign of each axis is fixed (its largest loading is positive), so the
            picture does not flip between runs.

        Examples
        --------
        >>> rng = np.random.default_rng(0)
        >>> feats = basis_features(rng.uniform(size=(257, 12)), 8000, 512)
        >>> feats.pca().shape
        (2, 12)
        """
        limit = min(self.n_mfcc, self.rank)
        n_components = check_int(n_components, "n_components", minimum=1, maximum=limit,
                                 unit="axis (axes)")
        X = self.standardized_mfcc.T  # (rank, n_mfcc), zero-mean columns
        X = X - X.mean(axis=0)
        _, singular, axes = np.linalg.svd(X, full_matrices=False)
        axes = axes[:n_components]
        signs = np.sign(axes[np.arange(n_components), np.argmax(np.abs(axes), axis=1)])
        axes = axes * np.where(signs == 0, 1.0, signs)[:, np.newaxis]
        return axes @ X.T

    def __repr__(self) -> str:
        return (f"BasisFeatures({self.rank} bases: log_mel {self.log_mel.shape}, mfcc "
                f"{self.mfcc.shape}; sr={self.sr} Hz, n_fft={self.n_fft}, amax={self.amax:g})")


def _check_bases(W, n_fft: int) -> np.ndarray:
    """The bases ``(freq, rank)`` with ``freq = 1 + n_fft // 2``, finite and non-negative."""
    if np.ndim(W) != 2 and not isinstance(W, (str, bytes)) and W is not None:
        raise ParameterError(
            f"W must be the NMF bases, shape (freq, rank), one basis per column; got shape "
            f"{np.shape(W)}"
        )
    W = check_nonnegative_matrix(W, "W")
    n_bins = 1 + n_fft // 2
    if W.shape[0] != n_bins:
        hint = "; it looks transposed: pass W.T" if W.shape[1] == n_bins else ""
        raise ParameterError(
            f"W has shape {W.shape} but n_fft={n_fft} gives {n_bins} frequency bins: W must "
            f"be (freq, rank) = ({n_bins}, rank), the bases of the spectrogram analysed with "
            f"that n_fft{hint}"
        )
    return W


def _standardize(C: np.ndarray) -> np.ndarray:
    """Each row to mean 0 and standard deviation 1 across the columns; constant rows to 0."""
    centred = C - C.mean(axis=1, keepdims=True)
    spread = centred.std(axis=1, keepdims=True)
    scale = np.abs(C).max(axis=1, keepdims=True)
    constant = spread <= 1e-12 * np.maximum(scale, 1e-300)  # rounding noise, not a spread
    return np.where(constant, 0.0, centred / np.where(constant, 1.0, spread))


def basis_features(
    W,
    sr,
    n_fft,
    *,
    n_mels: int = 20,
    n_mfcc: int = 9,
    amax: float = 1e4,
    power: float = 2.0,
    fmin: float = 0.0,
    fmax: float | None = None,
    norm: str | None = "area",
    snap_to_bins: bool = True,
) -> BasisFeatures:
    """The log-mel spectra and MFCCs of NMF bases, the features Spiertz & Gnann cluster.

    Used in 03_mfcc_clustering, §4 (log-mel of the squared bases) and §5 (MFCCs and the
    2-D view).

    1. ``M = mel_basis @ W**power``: each basis (squared: a power spectrum) summed under
       ``n_mels`` triangles (:func:`course_lib.features.mel_filterbank`; by default the
       reference's unit-area triangles snapped to FFT bins);
    2. ``L = log10(1 + amax · M / max(M))`` (:func:`course_lib.features.log_mel`), with
       the maximum taken over all bases and channels;
    3. ``C`` = the first ``n_mfcc`` DCT-II coefficients of each column of ``L``
       (:func:`course_lib.features.mfcc`), and ``C`` standardised across the bases.

    The features depend on the relative scale of the bases (step 2 uses one maximum
    for all of them, so C(0) says how loud a basis is): the reference rescales W and H
    to equal norms during NMF, ``nmf.nmf(..., normalize="energy")``; do the same to
    reproduce it.

    Parameters
    ----------
    W : numpy.ndarray, shape (freq, rank)
        The NMF bases, non-negative, with ``freq = 1 + n_fft // 2``.
    sr : int or float
        Sample rate in Hz of the analysed signal.
    n_fft : int
        FFT size in samples of the analysis (``stft.frame_params(sr)[0]`` for the
        course's 64 ms frames: 1411 at 22 050 Hz).
    n_mels : int
        Mel channels (20 in the reference).
    n_mfcc : int
        MFCCs kept, C(0) included (9 in the reference), at most ``n_mels``.
    amax : float
        The compression level of the log (1e4 in the reference), positive.
    power : float
        The exponent applied to the bases before the filterbank (2 in the reference).
    fmin, fmax, norm, snap_to_bins
        The filterbank, as :func:`course_lib.features.mel_filterbank`; the defaults are
        the reference's (0 Hz to ``sr / 2``, unit area, snapped).

    Returns
    -------
    BasisFeatures
        ``log_mel (n_mels, rank)``, ``mfcc`` and ``standardized_mfcc`` ``(n_mfcc, rank)``,
        the filterbank and its centre frequencies.

    Raises
    ------
    TypeError
        ``W`` not a real float array; an option of the wrong type.
    ParameterError
        ``W`` not 2-D, with NaN, infinite or negative values, all zeros, or a number of
        rows other than ``1 + n_fft // 2``; a bad option (as the ``features`` functions).

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> W = rng.uniform(size=(706, 25))            # 25 bases of a 1411-point FFT
    >>> feats = basis_features(W, 22050, 1411)
    >>> feats.log_mel.shape, feats.mfcc.shape
    ((20, 25), (9, 25))
    >>> bool(np.allclose(feats.standardized_mfcc.std(axis=1), 1.0))
    True
    """
    sr = check_sample_rate(sr)
    n_fft = check_int(n_fft, "n_fft", minimum=2, unit="sample(s)")
    W = _check_bases(W, n_fft)
    amax = float(check_positive(amax, "amax"))
    power = float(check_positive(power, "power"))
    n_mels = check_int(n_mels, "n_mels", minimum=1, unit="channel(s)")
    mel_basis = _features.mel_filterbank(sr, n_fft, n_mels, fmin=fmin, fmax=fmax, norm=norm,
                                         snap_to_bins=snap_to_bins)
    log_mel = _features.log_mel(np.power(W.astype(np.float64), power), mel_basis, amax=amax)
    coefficients = _features.mfcc(log_mel, n_mfcc=n_mfcc)
    top = sr / 2 if fmax is None else fmax
    centres = _features.mel_frequencies(n_mels + 2, fmin=fmin, fmax=top)[1:-1]
    return BasisFeatures(
        log_mel=log_mel, mfcc=coefficients, standardized_mfcc=_standardize(coefficients),
        mel_basis=mel_basis, center_frequencies=centres, sr=sr, n_fft=n_fft, amax=amax,
        power=power,
    )


# ---------------------------------------------------------------------------
# Clustering
# ---------------------------------------------------------------------------


@dataclass(frozen=True, repr=False)
class ClusteringResult:
    """The labels of the bases and what the clustering method learned.

    Made by :func:`cluster_features`. Used in 03_mfcc_clustering, §6 (k-means) and §7
    (the second NMF and the ablation of its normalisation).

    Attributes
    ----------
    labels : numpy.ndarray of int, shape (rank,)
        The source of each basis, in ``0 .. n_sources - 1``; every source has at least
        one basis (see ``filled``). Pass it as ``groups=`` to
        :func:`course_lib.nmf.component_signals`.
    method : str
        ``"kmeans"`` or ``"nmf"``.
    affinities : numpy.ndarray, shape (n_sources, rank)
        How strongly each basis belongs to each cluster; ``labels`` is its argmax over
        the clusters (before any filling). For k-means, minus the squared Euclidean
        distance of the basis's standardised MFCCs to each centroid; for the second
        NMF, its activations ``B``.
    centers : numpy.ndarray, shape (n_mfcc, n_sources), or None
        The k-means centroids in the standardised MFCC space (None for ``"nmf"``).
    second_nmf : course_lib.nmf.NMFResult or None
        The second NMF, ``log_mel ≈ A @ B`` with ``A = second_nmf.W`` ``(n_mels,
        n_sources)`` (the log-mel "template" of each source) and ``B = second_nmf.H``
        ``(n_sources, rank)``; its loss history is in ``losses`` (None for ``"kmeans"``).
    filled : tuple of int
        The clusters that came out empty and were each given one basis (see
        :func:`cluster_features`, ``on_empty``); empty when none did.
    features : BasisFeatures
        The features that were clustered.
    """

    labels: np.ndarray
    method: str
    affinities: np.ndarray
    centers: np.ndarray | None
    second_nmf: _nmf.NMFResult | None
    filled: tuple[int, ...]
    features: BasisFeatures

    @property
    def n_sources(self) -> int:
        return self.affinities.shape[0]

    @property
    def sizes(self) -> np.ndarray:
        """The number of bases of each source, shape (n_sources,)."""
        return np.bincount(self.labels, minlength=self.n_sources)

    def __repr__(self) -> str:
        extra = f", filled {list(self.filled)}" if self.filled else ""
        return (f"ClusteringResult(method={self.method!r}, {self.features.rank} bases into "
                f"{self.n_sources} sources of sizes {self.sizes.tolist()}{extra})")


def _check_choice(value, name: str, allowed) -> str:
    if not isinstance(value, str):
        raise TypeError(f"{name} must be one of {list(allowed)} (a str), got {_describe(value)}")
    return check_name_list(value, name, allowed=allowed, what="value")[0]


def _check_n_sources(n_sources, rank: int) -> int:
    n_sources = check_int(n_sources, "n_sources", minimum=2, unit="source(s)")
    if rank < n_sources:
        raise ParameterError(
            f"there are {rank} bases but n_sources={n_sources}: each source needs at least "
            "one basis; factorise with a larger rank (the reference uses 25 bases for 2 "
            "sources)"
        )
    return n_sources


def _fill_empty(labels: np.ndarray, affinities: np.ndarray, *, on_empty: str, method: str,
                stacklevel: int = 3) -> tuple[np.ndarray, tuple[int, ...]]:
    """Give every empty cluster the basis that loses least by moving to it (or raise)."""
    n_sources, rank = affinities.shape
    labels = labels.copy()
    empty = [c for c in range(n_sources) if not np.any(labels == c)]
    if not empty:
        return labels, ()
    if on_empty == "raise":
        raise ParameterError(
            f"cluster(s) {empty} of {n_sources} came out empty with method={method!r}: every "
            "basis went to another source, so the features do not split into "
            f"{n_sources} groups. Pass on_empty='fill' to move the closest basis into each "
            "empty cluster, or try another random_state (or, for 'nmf', normalize='unit_sum')"
        )
    for cluster in empty:
        counts = np.bincount(labels, minlength=n_sources)
        movable = counts[labels] > 1  # never empty another cluster
        loss = affinities[labels, np.arange(rank)] - affinities[cluster]
        labels[np.argmin(np.where(movable, loss, np.inf))] = cluster
    warnings.warn(
        f"cluster(s) {empty} of {n_sources} came out empty with method={method!r}; each was "
        "given the basis that is closest to it (on_empty='fill'). The features barely "
        "separate the sources here",
        UserWarning,
        stacklevel=stacklevel,
    )
    return labels, tuple(empty)


def cluster_features(
    features: BasisFeatures,
    n_sources,
    *,
    method: str = "kmeans",
    random_state=None,
    n_init: int = 10,
    n_iter: int = 100,
    normalize: str | None = "unit_sum",
    on_empty: str = "fill",
) -> ClusteringResult:
    """Label the bases by clustering their features: MFCC + k-means, or a second NMF.

    Used in 03_mfcc_clustering, §6 (k-means), §7 (second NMF) and §8 (the ablation of
    the second NMF's normalisation).

    ``method="kmeans"``: scikit-learn's ``KMeans`` with ``n_sources`` clusters,
    k-means++ initialisation [2]_ and ``n_init`` restarts (the best, by inertia, is
    kept) on ``features.standardized_mfcc`` (one point per basis).

    ``method="nmf"``: ``features.log_mel ≈ A @ B`` by :func:`course_lib.nmf.nmf` with
    ``n_sources`` components, the Euclidean cost (β = 2, Lee & Seung [3]_) and
    ``n_iter`` iterations; ``normalize="unit_sum"`` rescales each column of ``A`` to sum
    to one after every iteration (``B`` compensates, so the fit is unchanged), as the
    reference's code does. Each basis ``m`` then takes the component with the largest
    activation, ``argmax_i B[i, m]``. Without the normalisation (``normalize=None``) the
    scales of the columns of ``A``, hence of the rows of ``B``, are arbitrary, and the
    argmax compares numbers in different units: the reference warns that it then hardly
    separates at all.

    Empty clusters: k-means++ rarely leaves a cluster empty (only when fewer distinct
    points than clusters exist), but the argmax of the second NMF may give every basis
    to one component. With ``on_empty="fill"`` (the default) each empty cluster is
    given the basis that loses least by moving there (the smallest drop in affinity,
    see :attr:`ClusteringResult.affinities`, taken from a cluster with two or more
    bases), with a ``UserWarning``, so that every source has at least one basis; with
    ``on_empty="raise"`` a ``ParameterError`` is raised instead.

    Parameters
    ----------
    features : BasisFeatures
        From :func:`basis_features`.
    n_sources : int
        The number of sources (clusters), at least 2 and at most the number of bases.
    method : {"kmeans", "nmf"}
        The clustering method.
    random_state : None, int or numpy.random.Generator
        Seed (a non-negative int) or generator of the k-means++ seeding or of the
        second NMF's initial factors; the same seed gives the same labels.
    n_init : int
        k-means restarts, at least 1 (scikit-learn's default for k-means++ became 1 in
        version 1.4; the reference ran with its earlier default, 10). Ignored by ``"nmf"``.
    n_iter : int
        Iterations of the second NMF, at least 1 (100 in the reference). Ignored by
        ``"kmeans"``.
    normalize : {"unit_sum", None, "energy"}
        The second NMF's rescaling of ``A`` after each iteration (see above; "energy"
        gives each column of ``A`` and row of ``B`` the same norm). Ignored by ``"kmeans"``.
    on_empty : {"fill", "raise"}
        What to do when a cluster comes out empty (see above).

    Returns
    -------
    ClusteringResult
        ``labels (rank,)`` and the method's model (centroids or second NMF).

    Raises
    ------
    TypeError
        ``features`` not a :class:`BasisFeatures`; an option of the wrong type.
    ParameterError
        ``n_sources`` below 2 or above the number of bases; an unknown ``method``,
        ``normalize`` or ``on_empty``; ``n_init`` or ``n_iter`` below 1; a negative
        ``random_state``; an empty cluster with ``on_empty="raise"``.

    Warns
    -----
    UserWarning
        When an empty cluster was filled (``on_empty="fill"``).

    Examples
    --------
    Six dark bases (falling envelope) and six bright ones (rising envelope):

    >>> rng = np.random.default_rng(0)
    >>> f = np.linspace(0.0, 1.0, 257)[:, np.newaxis]              # 0 Hz to Nyquist
    >>> W = np.hstack([np.exp(-8 * f) * rng.uniform(size=(257, 6)),
    ...                np.exp(-8 * (1 - f)) * rng.uniform(size=(257, 6))])
    >>> feats = basis_features(W, 8000, 512)
    >>> cluster_features(feats, 2, method="kmeans", random_state=0).labels
    array([0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 1])
    >>> result = cluster_features(feats, 2, method="nmf", random_state=0)
    >>> result.labels
    array([1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 0, 0])
    >>> bool(np.allclose(result.second_nmf.W.sum(axis=0), 1.0))   # unit-sum columns
    True
    """
    if not isinstance(features, BasisFeatures):
        raise TypeError(
            f"features must be the BasisFeatures of basis_features(W, sr, n_fft), got "
            f"{_describe(features)}"
        )
    n_sources = _check_n_sources(n_sources, features.rank)
    method = _check_choice(method, "method", METHODS)
    on_empty = _check_choice(on_empty, "on_empty", _ON_EMPTY)
    n_init = check_int(n_init, "n_init", minimum=1, unit="restart(s)")
    n_iter = check_int(n_iter, "n_iter", minimum=1, unit="iteration(s)")
    if normalize is not None:
        normalize = _check_choice(normalize, "normalize", _NORMALIZE)
    rng = check_random_state(random_state)

    centers = second = None
    if method == "kmeans":
        from sklearn.cluster import KMeans
        from sklearn.exceptions import ConvergenceWarning

        points = features.standardized_mfcc.T  # (rank, n_mfcc)
        model = KMeans(n_clusters=n_sources, init="k-means++", n_init=n_init,
                       random_state=int(rng.integers(2**31 - 1)))
        with warnings.catch_warnings():
            # duplicate points: "Number of distinct clusters found smaller than
            # n_clusters"; the empty cluster is handled (and reported) below
            warnings.simplefilter("ignore", ConvergenceWarning)
            model.fit(points)
        centers = model.cluster_centers_.T.copy()
        affinities = -np.square(model.transform(points)).T  # (n_sources, rank)
        labels = np.asarray(model.labels_, dtype=int)
    else:
        with warnings.catch_warnings():
            # n_sources >= min(n_mels, rank) is legitimate here (e.g. as many bases as
            # sources); nmf warns about it for spectrograms
            warnings.filterwarnings("ignore", message=r"rank=\d+ is not smaller",
                                    category=UserWarning)
            second = _nmf.nmf(features.log_mel, n_sources, beta="EU", n_iter=n_iter,
                              normalize=normalize, random_state=rng)
        affinities = second.H.copy()
        labels = np.argmax(affinities, axis=0).astype(int)
    labels, filled = _fill_empty(labels, affinities, on_empty=on_empty, method=method)
    return ClusteringResult(labels=labels, method=method, affinities=affinities,
                            centers=centers, second_nmf=second, filled=filled,
                            features=features)


def cluster_bases(
    W,
    sr,
    n_fft,
    n_sources,
    *,
    method: str = "kmeans",
    random_state=None,
    n_mels: int = 20,
    n_mfcc: int = 9,
    amax: float = 1e4,
    n_init: int = 10,
    n_iter: int = 100,
    normalize: str | None = "unit_sum",
    on_empty: str = "fill",
) -> np.ndarray:
    """A source label for every NMF basis: Spiertz & Gnann's clustering, in one call.

    Used in 03_mfcc_clustering, §6 and §7 (labelling the bases of ``guitar_voice`` and
    ``guitar_synth``) and §9 (the claim checked over several seeds).

    ``cluster_features(basis_features(W, sr, n_fft, ...), n_sources, ...).labels``, with
    the reference's defaults (see the module docstring). Separate the sources with
    ``nmf.component_signals(mixture_stft, W, H, sr, groups=labels, ...)``, whose
    signals come in the order of the labels ``0, 1, ...``; the clusters have no names,
    so match them to the references with :func:`course_lib.metrics.match_sources`.

    Parameters
    ----------
    W : numpy.ndarray, shape (freq, rank)
        The bases of an NMF of a magnitude spectrogram, ``freq = 1 + n_fft // 2``. The
        reference rescales W and H to equal norms during the NMF
        (``nmf.nmf(..., normalize="energy")``), which the features depend on.
    sr : int or float
        Sample rate in Hz.
    n_fft : int
        FFT size of the analysis, in samples.
    n_sources : int
        The number of sources, at least 2 and at most ``rank``.
    method : {"kmeans", "nmf"}
        MFCC + k-means, or the second NMF (see :func:`cluster_features`).
    random_state : None, int or numpy.random.Generator
        Seed or generator; the same seed gives the same labels.
    n_mels, n_mfcc, amax
        The features, as :func:`basis_features`.
    n_init, n_iter, normalize, on_empty
        The clustering, as :func:`cluster_features`.

    Returns
    -------
    numpy.ndarray of int, shape (rank,)
        The label of each basis, in ``0 .. n_sources - 1``, each used at least once.

    Raises
    ------
    TypeError, ParameterError
        As :func:`basis_features` and :func:`cluster_features`: e.g. W with NaN, W of
        the wrong shape, fewer bases than sources, an unknown method, a negative seed.

    Warns
    -----
    UserWarning
        When an empty cluster was filled.

    Examples
    --------
    >>> from course_lib import nmf, stft
    >>> rng = np.random.default_rng(0)
    >>> y = rng.standard_normal(8000)
    >>> X = stft.stft(y, 8000, n_fft=512, hop_length=256)
    >>> fit = nmf.nmf(np.abs(X), 6, n_iter=30, random_state=0)
    >>> labels = cluster_bases(fit.W, 8000, 512, 2, random_state=0)
    >>> labels.shape, sorted(set(labels.tolist()))
    ((6,), [0, 1])
    >>> parts = nmf.component_signals(X, fit.W, fit.H, 8000, n_fft=512, hop_length=256,
    ...                               groups=labels, length=y.size)
    >>> parts.shape
    (2, 8000)
    """
    features = basis_features(W, sr, n_fft, n_mels=n_mels, n_mfcc=n_mfcc, amax=amax)
    return cluster_features(features, n_sources, method=method, random_state=random_state,
                            n_init=n_init, n_iter=n_iter, normalize=normalize,
                            on_empty=on_empty).labels


# ---------------------------------------------------------------------------
# The oracle and the order of the labels
# ---------------------------------------------------------------------------


def oracle_labels(W, H, stem_stfts, *, on_empty: str = "fill") -> np.ndarray:
    """Give each basis to the true source that carries most energy in its masked signal.

    Used in 03_mfcc_clustering, §1 (the labels we are after) and §8 (oracle clustering).

    The separation resynthesises basis ``m`` through the soft mask
    ``R_m = W_m H_m / (W H)`` (its share of the model in each bin), so the part of
    source ``j`` in that component is ``R_m ∘ S_j``. The oracle labels basis ``m`` with
    the source of largest energy there,

    .. math:: \\ell(m) = \\arg\\max_j \\sum_{f, t} |S_j(f, t)|^2 R_m(f, t)^2,

    which needs the true sources' STFTs, hence "oracle". It decides basis by basis:
    the energies of the components do not add up exactly (they overlap in bins), so
    another partition can occasionally score a little higher, but no blind clustering
    has more information. Ties go to the lower source index.

    Parameters
    ----------
    W : numpy.ndarray, shape (freq, rank)
        The bases, non-negative.
    H : numpy.ndarray, shape (rank, frames)
        The activations, non-negative.
    stem_stfts : numpy.ndarray, shape (sources, freq, frames) or (sources, channels, freq, frames)
        The STFTs (complex) or magnitudes of the true sources, analysed with the same
        parameters as the factorised mixture, at least two. Multichannel energies are
        summed over the channels.
    on_empty : {"fill", "raise"}
        A source that no basis goes to (it is everywhere quieter than another one) is
        given the basis that loses least by moving to it, with a warning (``"fill"``),
        or raises (``"raise"``), as in :func:`cluster_features`.

    Returns
    -------
    numpy.ndarray of int, shape (rank,)
        The label of each basis: ``j`` means ``stem_stfts[j]``, so no matching is needed.

    Raises
    ------
    TypeError
        An array that is not numeric (W and H real float).
    ParameterError
        Shapes that do not fit (``W @ H`` must be one source's ``(freq, frames)``); NaN,
        infinite or negative values; fewer bases than sources; an empty source with
        ``on_empty="raise"``.

    Warns
    -----
    UserWarning
        When an empty source was filled.

    Examples
    --------
    >>> W = np.array([[1.0, 0.0, 1.0], [0.0, 1.0, 0.0]])       # bases 0 and 2: low bin
    >>> H = np.ones((3, 4))
    >>> stems = np.stack([np.outer([0.0, 1.0], np.ones(4)),    # source 0: the high bin
    ...                   np.outer([1.0, 0.0], np.ones(4))])   # source 1: the low bin
    >>> oracle_labels(W, H, stems)
    array([1, 0, 1])
    """
    W = check_nonnegative_matrix(W, "W", allow_zero_matrix=True)
    H = check_nonnegative_matrix(H, "H", allow_zero_matrix=True)
    stems = check_stem_stfts(stem_stfts, "stem_stfts")
    on_empty = _check_choice(on_empty, "on_empty", _ON_EMPTY)
    if W.shape[1] != H.shape[0] or stems.shape[-2:] != (W.shape[0], H.shape[1]):
        raise ParameterError(
            f"W {W.shape} @ H {H.shape} must have the shape (freq, frames) of each source in "
            f"stem_stfts {stems.shape}: W (freq, rank), H (rank, frames), stem_stfts "
            "(sources, [channels,] freq, frames)"
        )
    rank, n_sources = W.shape[1], stems.shape[0]
    _check_n_sources(n_sources, rank)
    energy = np.abs(stems.astype(np.complex128 if np.iscomplexobj(stems) else np.float64)) ** 2
    if energy.ndim == 4:
        energy = energy.sum(axis=1)
    energy = energy.reshape(n_sources, -1)  # (sources, freq * frames)
    model = W.astype(np.float64) @ H.astype(np.float64)
    tiny = np.finfo(np.float64).tiny
    inverse = np.divide(1.0, model, out=np.zeros_like(model), where=model > tiny)
    affinities = np.empty((n_sources, rank))
    for m in range(rank):
        share = np.outer(W[:, m], H[m]) * inverse  # R_m, 0 where the model is 0
        affinities[:, m] = energy @ np.square(share).ravel()
    labels = np.argmax(affinities, axis=0).astype(int)
    labels, _ = _fill_empty(labels, affinities, on_empty=on_empty, method="oracle")
    return labels


def relabel(labels, perm) -> np.ndarray:
    """Renumber cluster labels so that label ``j`` means ``references[j]``.

    Used in 03_mfcc_clustering, §6 to §8 (colouring the bases by matched source).

    :func:`course_lib.nmf.component_signals` returns one estimate per label, in the
    order ``0, 1, ...``; :func:`course_lib.metrics.match_sources` then says that
    ``references[j]`` is best matched by ``estimates[perm[j]]``, i.e. by cluster
    ``perm[j]``. This gives every basis of cluster ``perm[j]`` the label ``j``, so
    that predicted and oracle labels (:func:`oracle_labels`) can be compared and drawn
    in the same colours.

    Parameters
    ----------
    labels : array_like of int, shape (rank,)
        Cluster labels in ``0 .. n_sources - 1``, each used at least once.
    perm : array_like of int, shape (n_sources,)
        A permutation of ``0 .. n_sources - 1``, from ``match_sources``.

    Returns
    -------
    numpy.ndarray of int, shape (rank,)
        The labels in the order of the references.

    Raises
    ------
    TypeError
        Labels or perm not integer arrays.
    ParameterError
        ``perm`` not a permutation of ``0 .. n_sources - 1``; a label out of range.

    Examples
    --------
    >>> relabel([0, 0, 1, 0], [1, 0])    # reference 0 is cluster 1
    array([1, 1, 0, 1])
    """
    labels = _integer_array(labels, "labels")
    perm = _integer_array(perm, "perm")
    if perm.ndim != 1 or sorted(perm.tolist()) != list(range(perm.size)):
        raise ParameterError(
            f"perm must be a permutation of 0 .. n_sources - 1 (from metrics.match_sources), "
            f"got {perm.tolist()}"[:200]
        )
    if labels.ndim != 1 or labels.size == 0:
        raise ParameterError(f"labels must have shape (rank,), got shape {labels.shape}")
    if labels.min() < 0 or labels.max() >= perm.size:
        raise ParameterError(
            f"labels must lie in 0 .. {perm.size - 1} (one per matched source), got values "
            f"from {labels.min()} to {labels.max()}"
        )
    return np.argsort(perm)[labels]


def _integer_array(values, name: str) -> np.ndarray:
    if isinstance(values, (str, bytes)) or values is None:
        raise TypeError(f"{name} must be an array of ints, got {_describe(values)}")
    arr = np.asarray(values)
    if not np.issubdtype(arr.dtype, np.integer):
        raise TypeError(f"{name} must be an array of ints, got dtype {arr.dtype}")
    return arr.astype(int)
