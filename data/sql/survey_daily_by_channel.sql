-- One row per local day of survey submission and channel of the ticket surveyed: responses,
-- their score sum and sum of squares, and 4-5 scores. survey_daily.sql split by channel; a
-- response with no ticket has no channel and is left out here (it still counts unfiltered).
with responses as (
    select
        timezone($tz, r.submitted_at)::date as day,
        t.channel,
        r.score
    from survey_responses as r
    join tickets as t using (ticket_id)
    where r.submitted_at >= $start and r.submitted_at < $end  -- local-midnight bounds of the span
)
select
    day,
    channel,
    count(*) as n_responses,
    sum(score) as score_sum,
    sum(score * score) as score_sq_sum,
    count(*) filter (where score >= 4) as n_top2
from responses
group by all
order by day, channel
