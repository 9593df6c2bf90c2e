-- Reads the outlier weeks for the command's printout.
-- From: blog_analysis.outlier_weeks (12_create_outlier_weeks.sql). Parameters: none.
select
    "Year",
    "WeekNumber",
    "VoteCount",
from blog_analysis.outlier_weeks
order by "Year", "WeekNumber"
