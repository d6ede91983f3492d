"""Pixel images (digits, filters, feature maps) tiled into one picture: one image draws far faster than one axis each."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np

GAP = 2  # blank pixels between the images of a mosaic


def show_mosaic(axis: plt.Axes, images: np.ndarray, columns: int, **imshow_options) -> None:
    """Tile (n, h, w) images into one picture, ``columns`` wide, separated by blank gaps."""
    count, height, width = images.shape
    rows = int(np.ceil(count / columns))
    mosaic = np.full((rows * (height + GAP) - GAP, columns * (width + GAP) - GAP), np.nan)
    for index, image in enumerate(images):
        row, column = divmod(index, columns)
        mosaic[
            row * (height + GAP) : row * (height + GAP) + height,
            column * (width + GAP) : column * (width + GAP) + width,
        ] = image
    colours = plt.get_cmap(imshow_options.pop("cmap")).with_extremes(bad="white")
    axis.imshow(mosaic, cmap=colours, **imshow_options)
    axis.set_xticks([])
    axis.set_yticks([])
    axis.grid(False)
    for spine in axis.spines.values():
        spine.set_visible(False)
