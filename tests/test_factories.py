"""The test-data factory builds tables the way the data layer does."""

from factories import ROW_COLUMNS, correctness_trials, trial_table


def test_trial_table_derives_what_the_data_layer_derives():
    frame = trial_table([("subject-01", "c1", "a.png", "cat", "cat"), ("resnet50", "c1", "a.png", "cat", "dog")],
                        columns=ROW_COLUMNS[1:], dataset="colour")  # fmt: skip
    assert frame["is_human"].tolist() == [True, False] and frame["correct"].tolist() == [True, False]
    assert frame["trial"].tolist() == [1, 1] and frame["dataset"].tolist() == ["colour", "colour"]
    by_hand = correctness_trials({"subject-01": [1, 0]})
    assert by_hand["response"].tolist() == ["airplane", "bicycle"] and by_hand["correct"].tolist() == [True, False]
