"""The disc-fit plan: a pure function from lesson durations to discs and bitrates, at its edges."""

import math

import pytest

from media_pipeline.core import disc
from media_pipeline.core.disc import (
    DVD5_BYTES,
    MAX_AVERAGE_VIDEO_BITRATE,
    MIN_VIDEO_BITRATE,
    DiscPlanError,
    estimated_bytes,
    max_seconds_per_disc,
    plan_discs,
    video_bitrate_for,
)

HOUR = 3600.0


def assert_valid(plan, durations):
    """Every lesson once, in order; every disc fits DVD-5 at no less than the minimum bitrate."""
    indexes = [i for d in plan.discs for i in d.lesson_indexes]
    assert indexes == list(range(len(durations)))
    assert [d.number for d in plan.discs] == list(range(1, plan.count + 1))
    for planned in plan.discs:
        assert planned.seconds == pytest.approx(sum(durations[i] for i in planned.lesson_indexes))
        assert MIN_VIDEO_BITRATE <= planned.video_bitrate <= MAX_AVERAGE_VIDEO_BITRATE
        assert planned.estimated_bytes <= DVD5_BYTES


def test_empty_set_is_refused_with_a_chinese_reason():
    with pytest.raises(DiscPlanError) as error:
        plan_discs([])
    assert "没有" in error.value.reason_zh


def test_invalid_durations_are_refused():
    for bad in ([-1.0], [math.nan], [math.inf]):
        with pytest.raises(DiscPlanError):
            plan_discs(bad)


def test_tiny_set_gets_the_capped_bitrate():
    plan = plan_discs([1.0])
    assert plan.count == 1
    assert plan.discs[0].video_bitrate == MAX_AVERAGE_VIDEO_BITRATE
    assert plan.warnings_zh == ()
    # The cap stays under the DVD-Video limit for the video stream.
    assert MAX_AVERAGE_VIDEO_BITRATE < disc.DVD_MAX_VIDEO_BITRATE


def test_one_hour_fits_one_disc_and_the_bitrate_fills_it_without_overflowing():
    # 1 h fits at the cap; 2.5 h needs less than the cap, and then the disc is nearly full.
    assert video_bitrate_for(HOUR) == MAX_AVERAGE_VIDEO_BITRATE
    long_set = 2.5 * HOUR
    bitrate = video_bitrate_for(long_set)
    assert MIN_VIDEO_BITRATE < bitrate < MAX_AVERAGE_VIDEO_BITRATE
    used = estimated_bytes(long_set, bitrate)
    assert 0.9 * DVD5_BYTES < used <= DVD5_BYTES
    assert plan_discs([long_set / 3] * 3).count == 1


def test_exactly_full_is_one_disc_at_the_minimum_bitrate():
    limit = max_seconds_per_disc()
    assert 3 * HOUR < limit < 6 * HOUR  # sanity: a DVD-5 holds a few hours of lectures
    plan = plan_discs([limit / 2, limit / 2])
    assert plan.count == 1
    assert plan.discs[0].video_bitrate == pytest.approx(MIN_VIDEO_BITRATE, abs=2)
    assert plan.discs[0].estimated_bytes <= DVD5_BYTES
    assert "画质" in "".join(plan.warnings_zh)


def test_just_over_full_splits_into_two_numbered_discs_with_a_warning():
    limit = max_seconds_per_disc()
    durations = [limit / 2, limit / 2 + 1.0]
    plan = plan_discs(durations)
    assert plan.count == 2
    assert [d.lesson_indexes for d in plan.discs] == [(0,), (1,)]
    assert_valid(plan, durations)
    assert any("2 张光盘" in warning for warning in plan.warnings_zh)


def test_discs_are_balanced_not_filled_greedily():
    # Five one-hour lessons: greedy filling would give 4 h + 1 h; balanced gives 3 h + 2 h.
    durations = [HOUR] * 5
    plan = plan_discs(durations)
    assert plan.count == 2
    assert [len(d.lesson_indexes) for d in plan.discs] == [3, 2]
    assert_valid(plan, durations)


def test_absurdly_long_set_splits_into_many_discs_quickly():
    durations = [HOUR] * 1000
    plan = plan_discs(durations)
    per_disc = int(max_seconds_per_disc() // HOUR)
    assert plan.count == math.ceil(1000 / per_disc)
    assert_valid(plan, durations)


def test_a_single_lesson_longer_than_a_disc_is_refused():
    limit = max_seconds_per_disc()
    with pytest.raises(DiscPlanError) as error:
        plan_discs([HOUR, limit + 60])
    assert "第 2 课" in error.value.reason_zh


def test_the_expected_size_follows_the_lessons_mp4_not_the_target_bitrate():
    """What the editor is shown: each lesson's stream is MPEG2_PER_MP4 x its small MP4's rate, an
    audio lesson a still picture, never more than the target allows (hand-computed)."""
    plan = disc.plan_discs([60, 60, 60], mp4_bitrates=[120_000, None, 5_000_000])
    (planned,) = plan.discs
    ceiling = (planned.video_bitrate + disc.AUDIO_BITRATE) * (1 + disc.MUX_OVERHEAD)
    assert planned.video_bitrate == disc.MAX_AVERAGE_VIDEO_BITRATE
    expected = disc.IMAGE_OVERHEAD_BYTES + 60 * (
        disc.MPEG2_PER_MP4 * 120_000 + disc.STILL_STREAM_BITRATE + ceiling) / 8
    assert planned.expected_bytes == int(expected)
    # A lecture of slides (a 120 kb/s MP4: about 12 MB a minute on disc) is not shown at the ceiling.
    assert planned.expected_bytes < planned.estimated_bytes / 2
    assert disc.plan_discs([60]).discs[0].expected_bytes == 0  # unknown without the MP4 rates
