-- Makes (or remakes) the view blog_analysis.outlier_weeks: the weeks whose
-- vote count is an outlier, |1 - VoteCount / mean| > 0.2, earliest first.
-- From: blog_analysis.votes. Parameters: none.
{#
Week convention (strftime '%W', as in the specification's example): weeks
start on Monday; week 1 of a year begins on its first Monday and the days
before it are week 0; a week is (Year, WeekNumber) of the vote's
CreationDate, so a calendar week that crosses New Year is two buckets.
The mean runs over every (Year, WeekNumber) bucket from the first vote's to
the last vote's, a bucket without votes counting as 0 (and, being 100 % below
the mean, listed as an outlier with VoteCount 0).
#}
create or replace view blog_analysis.outlier_weeks as
with days as (
    select unnest(generate_series(min(CreationDate)::date, max(CreationDate)::date, interval 1 day)) as day,
    from blog_analysis.votes
),

weeks as (
    select distinct
        year(day) as year_number,
        cast(strftime(day, '%W') as integer) as week_number,
    from days
),

weekly_votes as (
    select
        year(CreationDate) as year_number,
        cast(strftime(CreationDate, '%W') as integer) as week_number,
        count(*) as vote_count,
    from blog_analysis.votes
    group by all
),

all_weeks as (
    select
        weeks.year_number,
        weeks.week_number,
        coalesce(weekly_votes.vote_count, 0) as vote_count,
    from weeks
    left join weekly_votes using (year_number, week_number)
),

mean as (
    select avg(vote_count) as mean_votes,
    from all_weeks
),

final as (
    select
        all_weeks.year_number as "Year",
        all_weeks.week_number as "WeekNumber",
        all_weeks.vote_count as "VoteCount",
    from all_weeks
    cross join mean
    where abs(1 - all_weeks.vote_count / mean.mean_votes) > 0.2
)

select * from final
order by "Year", "WeekNumber"
