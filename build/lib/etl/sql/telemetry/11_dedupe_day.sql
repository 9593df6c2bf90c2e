{#-
    Makes: temp table day_readings, the distinct readings of one UTC day and
    how many copies of each arrived (see _readings.sql). A reading belongs
    to the day of its own timestamp, whichever file or folder brought it.
    From: every input file whose timestamps may fall in the day (originals
    and staged CSV/JSON copies, all in the canonical long schema).
    Parameters: $files (list of parquet paths), $day_start and $day_end
    (epoch seconds; the day is [start, end)).
    Used when the day may bring signals known_signals does not know yet:
    they are learnt from day_readings before the readings are placed.
-#}
{%- from "telemetry/_readings.sql" import distinct_readings %}
create or replace temp table day_readings as
{{ distinct_readings() }}
