from members import intervals


def test_normalise_merges_overlapping_and_touching_ranges():
    assert intervals.normalise([[5, 10], [0, 3], [3, 4], [9, 12], [20, 20]]) == [[0, 4], [5, 12]]


def test_union_is_idempotent_and_order_independent():
    a, b, c = [[0, 15]], [[30, 45]], [[10, 35]]
    one = intervals.union(intervals.union(a, b), c)
    other = intervals.union(intervals.union(c, a), b)
    assert one == other == [[0, 45]]
    assert intervals.union(one, c) == one


def test_new_coverage_counts_only_unseen_seconds():
    assert intervals.new_coverage([[0, 30]], [[20, 40]]) == 10
    assert intervals.new_coverage([[0, 30]], [[0, 30]]) == 0
    assert intervals.total([[0, 1.5], [2, 3]]) == 2.5


def test_is_valid_range_rejects_non_numbers_and_non_finite():
    assert intervals.is_valid_range([0, 1.5])
    assert not intervals.is_valid_range([0])
    assert not intervals.is_valid_range(["0", 1])
    assert not intervals.is_valid_range([0, float("inf")])
    assert not intervals.is_valid_range([float("nan"), 1])
    assert not intervals.is_valid_range([True, 2])
