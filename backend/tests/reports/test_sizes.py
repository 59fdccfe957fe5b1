"""The one size unit: decimal GB, thresholds exact to the byte, texts that never contradict the rule."""

from __future__ import annotations

from janitor.library.sizes import GB, format_gb, gb_to_bytes


def test_a_threshold_is_exact_bytes_as_typed() -> None:
    assert GB == 1_000_000_000
    assert gb_to_bytes(13) == 13_000_000_000
    # 13.1 * 10**9 is 13100000000.000002 in floats, and 0.3 GB is not 299,999,999 bytes.
    assert gb_to_bytes(13.1) == 13_100_000_000
    assert gb_to_bytes(0.3) == 300_000_000
    assert gb_to_bytes(999.9) == 999_900_000_000


def test_texts_round_like_the_tables_and_never_read_n_is_above_n() -> None:
    assert format_gb(74_948_806_037) == "74.9 GB"
    assert format_gb(143_400_000_000) == "143 GB"
    assert format_gb(13_049_999_999, above=13) == "13,049,999,999 bytes"
    assert format_gb(13_050_000_001, above=13) == "13.1 GB"
    assert format_gb(100_400_000_000, above=100) == "100,400,000,000 bytes"
    assert format_gb(13_000_000_001, above=12.9) == "13.0 GB"
