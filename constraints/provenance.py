"""Where the idea of each family comes from: the ``source`` strings the families share."""

MATHIF = "IFEval (Zhou et al. 2023), as used by MathIF (Fu et al. 2025)"
IFEVAL = "IFEval (Zhou et al. 2023); one of the IFEval families MathIF left out"
IFBENCH = "IFBench (Pyatkin et al. 2025), count:word_count_range"
TULU = "Tülu 3's IFEval-like constraints (open-instruct IFEvalG, Lambert et al. 2024), as in IFBench's training set"
MATHS = "new in mathif: maths-specific, in no instruction-following set"
