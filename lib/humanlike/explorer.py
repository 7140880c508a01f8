"""An ipywidgets explorer of single trials: pick a dataset, a condition and an image; see the stimulus (where it is
public) and every decision maker's answer to it.

    from humanlike import data
    from humanlike.explorer import Explorer
    Explorer(data.load_trials())          # last expression of a notebook cell

The explorer needs a live Python kernel: in the static book it shows the state it was saved in (its controls are
drawn, but choosing another option does nothing). Run the chapter notebook in Jupyter to use it.

Only the stimuli of cue-conflict, edge and silhouette are public outside the toolbox's release archives
(see ``SOURCES.md``); for the other datasets the explorer shows the answers without the image.
"""

from __future__ import annotations

import base64
import os
from collections.abc import Sequence

import ipywidgets as widgets
import pandas as pd

from . import data
from .charts import TRAINING_COLORS, decision_maker_order
from .results.common import natural_key, ordered_datasets, training_of
from .text import html_text

#: Datasets whose stimulus images the data layer can fetch.
PUBLIC_STIMULI: tuple[str, ...] = ("cue-conflict", "edge", "silhouette")
_COLUMNS = ["dataset", "subject", "is_human", "condition", "category", "response", "image_id", "correct"]


class Explorer(widgets.VBox):
    """Trial explorer widget.

    trials:   a trial table from :func:`humanlike.data.load_trials` (any subset of datasets / decision makers).
    mirror:   where stimuli come from (default: ``$HUMANLIKE_MIRROR`` or the download cache, as the data layer).
    dataset, condition, image: the initial selection (default: the first of each).

    Attributes (for programmatic use and tests): ``dataset``, ``condition``, ``image`` (``ipywidgets.Dropdown``),
    ``stimulus`` (``ipywidgets.HTML``: the image, or a note where it is not public), ``answers``
    (``ipywidgets.HTML``: one table row per decision maker who saw the image), ``summary`` (``ipywidgets.HTML``),
    and :meth:`selection` (the answers as a DataFrame).
    """

    def __init__(
        self,
        trials: pd.DataFrame,
        *,
        mirror: str | os.PathLike | None = None,
        dataset: str | None = None,
        condition: str | None = None,
        image: str | None = None,
    ) -> None:
        missing = set(_COLUMNS) - set(trials.columns)
        if missing:
            raise ValueError(f"trials lack column(s) {sorted(missing)}")
        if trials.empty:
            raise ValueError("no trials to explore")
        self._trials = trials[_COLUMNS].copy()
        self._trials["condition"] = self._trials["condition"].astype(str)
        self._groups = {key: frame for key, frame in self._trials.groupby(["dataset", "condition"], sort=False)}
        self._mirror = mirror
        present = set(self._trials["dataset"])
        datasets = ordered_datasets(present)

        layout = widgets.Layout(width="420px")
        style = {"description_width": "80px"}
        self.dataset = widgets.Dropdown(options=datasets, description="dataset", layout=layout, style=style)
        self.condition = widgets.Dropdown(description="condition", layout=layout, style=style)
        self.image = widgets.Dropdown(description="image", layout=layout, style=style)
        self.stimulus = widgets.HTML(layout=widgets.Layout(min_width="240px"))
        self.summary = widgets.HTML()
        self.answers = widgets.HTML()
        note = widgets.HTML(
            "<small>Needs a live Python kernel: in the static book this shows the saved selection only.</small>"
        )
        controls = widgets.VBox([self.dataset, self.condition, self.image, self.summary])
        super().__init__([note, widgets.HBox([self.stimulus, controls]), self.answers])

        self.dataset.observe(self._on_dataset, names="value")
        self.condition.observe(self._on_condition, names="value")
        self.image.observe(self._on_image, names="value")
        if dataset is not None and dataset != self.dataset.value:
            self.dataset.value = dataset  # fires _on_dataset
        else:
            self._on_dataset()
        if condition is not None:
            self.condition.value = condition
        if image is not None:
            self.image.value = image

    # ------------------------------------------------------------------------------------------- updates
    def _on_dataset(self, change: dict | None = None) -> None:
        dataset = self.dataset.value
        conditions = sorted(self._trials.loc[self._trials["dataset"] == dataset, "condition"].unique(), key=natural_key)
        self.condition.options = conditions
        if self.condition.value != conditions[0]:
            self.condition.value = conditions[0]
        else:
            self._on_condition()

    def _on_condition(self, change: dict | None = None) -> None:
        frame = self._groups.get((self.dataset.value, self.condition.value))
        if frame is None:
            self.image.options = []
            self._render()
            return
        firsts = frame.drop_duplicates("image_id").sort_values(["category", "image_id"])
        options = [(f"{row.category}: {row.image_id}", row.image_id) for row in firsts.itertuples()]
        self.image.options = options
        if options and self.image.value != options[0][1]:
            self.image.value = options[0][1]
        else:
            self._render()

    def _on_image(self, change: dict | None = None) -> None:
        self._render()

    # ------------------------------------------------------------------------------------------- content
    def selection(self) -> pd.DataFrame:
        """The trials of the selected image (dataset, condition, image): one row per decision maker's answer."""
        frame = self._groups.get((self.dataset.value, self.condition.value))
        if frame is None or self.image.value is None:
            return self._trials.iloc[:0]
        rows = frame[frame["image_id"] == self.image.value]
        order = {name: i for i, name in enumerate(decision_maker_order(rows["subject"]))}
        return rows.sort_values("subject", key=lambda s: s.map(order)).reset_index(drop=True)

    def _stimulus_html(self, dataset: str, category: str, image_id: str) -> str:
        if dataset not in PUBLIC_STIMULI:
            return (
                "<div class='humanlike-no-stimulus' style='width:224px'><small>The "
                f"{html_text(dataset)} stimuli are not public outside the toolbox's release archives; "
                "the answers are shown without the image.</small></div>"
            )
        try:
            path = data.fetch(f"datasets/{dataset}/{category}/{image_id}", mirror=self._mirror)
            encoded = base64.b64encode(path.read_bytes()).decode("ascii")
        except Exception as err:  # a missing mirror or no network: show why instead of failing the widget
            return f"<div style='width:224px'><small>stimulus unavailable: {html_text(str(err))}</small></div>"
        return (
            f"<img src='data:image/png;base64,{encoded}' width='224' height='224' "
            f"alt='{html_text(image_id)}' title='{html_text(image_id)}'/>"
        )

    def _render(self) -> None:
        rows = self.selection()
        if rows.empty:
            self.stimulus.value = ""
            self.summary.value = "<em>no trials</em>"
            self.answers.value = ""
            return
        dataset, category, image_id = self.dataset.value, rows["category"].iloc[0], self.image.value
        self.stimulus.value = self._stimulus_html(dataset, category, image_id)
        humans, models = rows[rows["is_human"]], rows[~rows["is_human"]]
        facts = [f"presented category: <b>{html_text(category)}</b>"]
        if dataset == "cue-conflict":
            texture = data.texture_category(pd.Series([image_id])).iloc[0]
            facts.append(f"texture: <b>{html_text(texture)}</b>")
        facts.append(f"humans correct: {int(humans['correct'].sum())} of {len(humans)}")
        facts.append(f"models correct: {int(models['correct'].sum())} of {len(models)}")
        self.summary.value = "<br/>".join(facts)

        kinds = training_of(rows["subject"])
        body = []
        for row in rows.itertuples():
            kind = "human" if row.is_human else kinds.get(row.subject, "unknown")
            colour = TRAINING_COLORS.get(kind, TRAINING_COLORS["unknown"])
            mark = "&#10003;" if row.correct else "&#10007;"
            body.append(
                f"<tr><td><span style='color:{colour}'>&#9632;</span> {html_text(row.subject)}</td>"
                f"<td>{html_text(kind)}</td><td>{html_text(str(row.response))}</td><td>{mark}</td></tr>"
            )
        self.answers.value = (
            "<table class='humanlike-answers'><thead><tr><th>decision maker</th><th>training</th>"
            "<th>answer</th><th>correct</th></tr></thead><tbody>" + "".join(body) + "</tbody></table>"
        )


def explorer(trials: pd.DataFrame, datasets: Sequence[str] | None = None, **kwargs) -> Explorer:
    """Build an :class:`Explorer`, optionally on a subset of ``datasets``."""
    if datasets is not None:
        trials = trials[trials["dataset"].isin(list(datasets))]
    return Explorer(trials, **kwargs)
