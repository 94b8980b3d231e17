from __future__ import annotations

import datetime as dt

import pandas as pd

from communia.modules.canteen.calendar import SchoolCalendar, school_year_of
from communia.modules.canteen.menus import categorize_dish, daily_menu_flags

pytest_plugins = ["canteen_fixtures"]  # shared fixtures (see canteen_fixtures.py)


def test_national_calendar_zone_b():
    cal = SchoolCalendar(zone="B")
    assert cal.is_school_holiday(dt.date(2018, 10, 25))  # Toussaint 2018
    assert not cal.is_school_holiday(dt.date(2018, 11, 5))
    assert cal.is_bank_holiday(dt.date(2018, 11, 1))
    assert cal.is_ascension_bridge(dt.date(2018, 5, 11))
    days = cal.service_days(dt.date(2018, 9, 3), dt.date(2018, 9, 9))
    assert [d.day for d in days] == [3, 4, 6, 7]  # no Wednesday, no weekend
    assert school_year_of(dt.date(2018, 9, 3)) == 2018
    assert school_year_of(dt.date(2019, 6, 3)) == 2018


def test_commune_calendar_wins_for_its_years(slice_data):
    national = SchoolCalendar(zone="B")
    nantes = SchoolCalendar(zone="B", commune_holidays=slice_data.holidays)
    # Académie de Nantes, spring 2018: back on 23 April, holidays from 25 April.
    assert national.is_school_holiday(dt.date(2018, 4, 23))
    assert not nantes.is_school_holiday(dt.date(2018, 4, 23))
    assert nantes.is_school_holiday(dt.date(2018, 4, 30))


def test_calendar_features_around_holidays():
    cal = SchoolCalendar(zone="B")
    f = cal.features(pd.Series(pd.to_datetime(["2018-10-19", "2018-11-05", "2018-12-21"])))
    assert f["last_day_before_holiday"].tolist() == [1, 0, 1]
    assert f["first_day_after_holiday"].tolist() == [0, 1, 0]
    assert f.loc[2, "before_christmas"] == 1


def test_dish_categories_and_overrides():
    assert categorize_dish("Filet de poisson meunière") == "poisson"
    assert categorize_dish("Rôti de porc") == "porc"
    assert categorize_dish("Emincé de boeuf* thaï") == "viande"
    assert categorize_dish("Omelette bio") == "vegetarien"
    assert categorize_dish("Repas de Noël") == "festif"
    assert categorize_dish("Tarte tatin") == "autre"
    assert categorize_dish("Omelette bio", {"Omelette bio": "porc"}) == "porc"


def test_daily_flags_vegetarian_day():
    menus = pd.DataFrame(
        {
            "date": pd.to_datetime(["2018-09-03"] * 2 + ["2018-09-04"] * 2),
            "dish": ["Omelette", "Riz", "Saumon sauce normande", "Riz"],
        }
    )
    flags = daily_menu_flags(menus).set_index("date")
    assert flags.loc["2018-09-03", "menu_vegetarian"] == 1
    assert flags.loc["2018-09-04", "menu_vegetarian"] == 0
    assert flags.loc["2018-09-04", "menu_fish"] == 1
