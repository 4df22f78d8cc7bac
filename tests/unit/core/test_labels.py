"""Groups named and ordered as MathIF's tables name and order them."""

from curation.core import group_order, source_label, split_label


def test_sources_are_named_as_mathif_names_them():
    assert [
        source_label(s)
        for s in (
            "openai/gsm8k",
            "HuggingFaceH4/MATH-500",
            "math500",
            "zwhe99/simplerl-minerva-math",
            "zwhe99/simplerl-OlympiadBench",
            "aime",
        )
    ] == ["GSM8K", "MATH-500", "MATH-500", "Minerva", "OlympiadBench", "AIME"]
    # two AIME sources stay apart; an unknown source is shown as it is
    assert source_label("HuggingFaceH4/aime_2024") == "AIME 2024"
    assert source_label("yentinglin/aime_2025") == "AIME 2025"
    assert source_label("my/own-source") == "my/own-source"


def test_splits_are_named_and_ordered_as_mathifs_tables():
    splits = ["aime_triple", "olympiad_single", "gsm8k_double", "zz_single", "gsm8k_single", "math500_triple"]
    ordered = sorted(splits, key=group_order)
    assert ordered == [
        "gsm8k_single",
        "gsm8k_double",
        "math500_triple",
        "olympiad_single",
        "aime_triple",
        "zz_single",
    ]
    assert [split_label(s) for s in ordered[:2]] == ["GSM8K single", "GSM8K double"]
    assert split_label("custom") == "custom"
    sources = ["yentinglin/aime_2025", "HuggingFaceH4/aime_2024", "openai/gsm8k", "other"]
    assert sorted(sources, key=group_order) == [
        "openai/gsm8k",
        "HuggingFaceH4/aime_2024",
        "yentinglin/aime_2025",
        "other",
    ]
