-- One row per local day of survey submission: responses, their score sum and sum of squares
-- (for a confidence interval), and 4-5 scores.
with responses as (
    select
        timezone($tz, submitted_at)::date as day,
        score
    from survey_responses
    where submitted_at >= $start and submitted_at < $end  -- local-midnight bounds of the span
)
select
    day,
    count(*) as n_responses,
    sum(score) as score_sum,
    sum(score * score) as score_sq_sum,
    count(*) filter (where score >= 4) as n_top2
from responses
group by day
order by day
