{#-
    Makes: how many signals known_signals holds. Once it holds any, the
    day tables day_tags and day_signals describe all of them, and a day can
    be placed in one pass (16_place_readings.sql with one_pass).
    From: known_signals.
    Parameters: none.
-#}
select count(*) as signals
from known_signals
