//! The pest grammar (`grammar/policy.pest`) and the words error messages use for its rules.

use pest_derive::Parser;

/// The generated pest parser for policy files.
#[derive(Parser)]
#[grammar = "../grammar/policy.pest"]
pub(crate) struct PolicyParser;

/// How an error message names what a rule expects: `a duration like `2h``, never `Rule::duration`.
///
/// Exhaustive on purpose: a new rule does not compile until it has a name.
pub(crate) fn display_name(rule: Rule) -> &'static str {
    match rule {
        Rule::file => "a policy file",
        Rule::next_item => "a declaration (`policy`, `use`, `calendar`, `ranks`, `venues`, `term`, `event`, `attribute`, `promise`, `standard`, `commitments`, `escalation`, `objective`)",
        Rule::item => "a declaration (`policy`, `use`, `calendar`, `ranks`, `venues`, `term`, `event`, `attribute`, `promise`, `standard`, `commitments`, `escalation`, `objective`)",
        Rule::header => "a policy header",
        Rule::header_line => "a header line (`version`, `owner`, `timezone`)",
        Rule::header_version => "`version N`",
        Rule::header_owner => "`owner \"…\"`",
        Rule::header_timezone => "`timezone \"…\"`",
        Rule::use_decl => "`use \"file.policy\"`",
        Rule::calendar => "a calendar",
        Rule::calendar_like => "`like CALENDAR`",
        Rule::calendar_line => "a calendar line (`open`, `closed`, `hours`, `timezone`)",
        Rule::calendar_timezone => "`timezone \"Area/City\"`",
        Rule::open_always => "`open 24x7`",
        Rule::open_weekly => "`open DAYS HH:MM-HH:MM`",
        Rule::open_date => "`open DATE HH:MM-HH:MM`",
        Rule::closed_date => "`closed DATE`",
        Rule::hours_weekly => "`hours DAYS HH:MM-HH:MM`",
        Rule::day_list => "weekdays like `mon-fri`",
        Rule::day_range => "weekdays like `mon-fri`",
        Rule::time_ranges => "opening hours like `09:00-18:00`",
        Rule::time_range => "opening hours like `09:00-18:00`",
        Rule::date_range => "a date like `2026-10-01` or a range like `2026-10-01..2026-10-07`",
        Rule::ranks => "`ranks a < b`",
        Rule::venues => "`venues public: a, b`",
        Rule::privacy => "`public` or `private`",
        Rule::term => "`term WORD = DURATION`",
        Rule::amount => "an amount like `10m` or `3 workdays on CALENDAR`",
        Rule::workdays_amount => "`N workdays [on CALENDAR]`",
        Rule::duration_amount => "`DURATION [on CALENDAR]`",
        Rule::literal_deadline => "a deadline (`within 2h`, `within 2 workdays on CAL`, `by 17:00 same day`)",
        Rule::within_term => "`within TERM`",
        Rule::term_deadline => "a term that stands for a deadline",
        Rule::term_word => "a term",
        Rule::bare_term => "a term",
        Rule::deadline_end => "a clause or `}`",
        Rule::same_workday => "`same workday`",
        Rule::durations => "`durations elapsed` or `durations on CALENDAR`",
        Rule::end_on => "`end on EVENT`",
        Rule::promise_time => "a time like `24h`, `3 workdays`, `by 17:00 same day` or a term",
        Rule::event_decl => "`event NAME { FIELD: TYPE }`",
        Rule::event_fields => "`{ FIELD: TYPE, … }`",
        Rule::field_decl => "a field like `reason: text`",
        Rule::attribute_decl => "`attribute NAME: TYPE`",
        Rule::value_type => "a type (`text`, `number`, `boolean` or `one of [...]`)",
        Rule::one_of => "`one of [\"A\", \"B\"]`",
        Rule::choice => "a value (a quoted text or a number)",
        Rule::promise => "a promise",
        Rule::promise_clause => "a promise clause (`applies`, `from`, `until`, `pause`, `restart`, `target`, `warn`)",
        Rule::applies => "`applies when CONDITION`",
        Rule::from_clause => "`from EVENT`",
        Rule::from_each => "`each`",
        Rule::promise_keyword => "a promise clause (`applies`, `from`, `until`, `pause`, `restart`, `target`, `warn`)",
        Rule::until_clause => "`until EVENT`",
        Rule::pause_clause => "`pause on EVENT resume on EVENT`",
        Rule::restart_clause => "`restart on EVENT`",
        Rule::target => "`target [when CONDITION] DEADLINE`",
        Rule::target_when => "`when CONDITION`",
        Rule::warn => "`warn at P%` or `warn D before`",
        Rule::warn_at => "`at P%`",
        Rule::warn_before => "`D before`",
        Rule::deadline => "a deadline (`within 2h`, `within 2 workdays on CAL`, `by 11:00 next day`, or a term)",
        Rule::within_workdays => "`within N workdays on CALENDAR`",
        Rule::within_duration => "`within DURATION`",
        Rule::cutoff => "`by HH:MM next day`",
        Rule::cutoff_day => "`same day`, `same workday`, `next day`, `next workday` or `in N days`",
        Rule::same_day => "`same day`",
        Rule::next_day => "`next day`",
        Rule::next_workday => "`next workday`",
        Rule::in_days => "`in N days`",
        Rule::cutoff_if => "`if before HH:MM`",
        Rule::on_calendar => "`on CALENDAR`",
        Rule::pattern_list => "an event name",
        Rule::pattern => "an event name",
        Rule::pattern_where => "`where CONDITION`",
        Rule::expr => "a condition like `kind == \"complaint\"`",
        Rule::paren => "a condition in parentheses",
        Rule::in_test => "`FIELD in [...]`",
        Rule::not_in => "`not in`",
        Rule::comparison => "a comparison like `kind == \"complaint\"`",
        Rule::presence => "a field name",
        Rule::field => "a field name",
        Rule::compare_op => "a comparison operator (`==`, `!=`, `<`, `<=`, `>`, `>=`)",
        Rule::value => "a value (a quoted text, a number, `true` or `false`)",
        Rule::standard => "a standard",
        Rule::standard_clause => "a standard rule (`applies`, `at most`, `require`, `restart`)",
        Rule::at_most => "`at most N EVENT before EVENT`",
        Rule::require_before => "`require EVENT before EVENT`",
        Rule::require_within => "`require EVENT within DEADLINE after EVENT`",
        Rule::commitments => "a commitments block",
        Rule::commitments_clause => "a commitments line (`require time`, `keep`, `grace`, `on`, `durations`, `end on`)",
        Rule::require_time => "`require time`",
        Rule::keep => "`keep`",
        Rule::grace => "`grace DURATION`",
        Rule::escalation => "an escalation",
        Rule::in_order => "`in order`",
        Rule::escalation_clause => "an escalation clause (`applies`, `trigger`, `step`, `restart`, `stop`)",
        Rule::trigger => "`trigger on EVENT`, `trigger on breach of PROMISE` or `trigger at P% of PROMISE`",
        Rule::trigger_breach => "`on breach of PROMISE`",
        Rule::trigger_event => "`on EVENT`",
        Rule::trigger_fraction => "`at P% of PROMISE`",
        Rule::stop => "`stop on EVENT`",
        Rule::step => "a step",
        Rule::step_clause => "a step clause (`after`, `trigger`, an action, `within`, `by`, a term, `keep appointment`)",
        Rule::step_after => "`after STEP, …`",
        Rule::action => "an action (`change`, `appoint`, `notify`, `do`)",
        Rule::change_handler => "`change handler to …`",
        Rule::change_venue => "`change venue to …`",
        Rule::appoint => "`appoint …`",
        Rule::notify => "`notify RANK`",
        Rule::do_event => "`do EVENT`",
        Rule::constraint_list => "a staff constraint (`rank above current`, `rank >= RANK`, `not subject`)",
        Rule::constraint => "a staff constraint (`rank above current`, `rank >= RANK`, `not subject`)",
        Rule::rank_above => "`rank above current`",
        Rule::rank_compare => "`rank >= RANK`",
        Rule::not_subject => "`not subject`",
        Rule::keep_appointment => "`keep appointment`",
        Rule::move_limit => "`, moved at most N`",
        Rule::objective => "an objective",
        Rule::objective_clause => "an objective clause (`applies`, `at least`, `at most`, `per`)",
        Rule::measure => "`at least P% of PROMISE met`",
        Rule::measure_bound => "`at least` or `at most`",
        Rule::outcome => "`met` or `breached`",
        Rule::period => "`per day`, `per week` or `per month`",
        Rule::period_unit => "`day`, `week` or `month`",
        Rule::ident_list => "a name",
        Rule::list_name => "a name",
        Rule::rank_name => "a rank name",
        Rule::item_keyword => "a declaration keyword",
        Rule::trivia => "spaces or comments",
        Rule::list_end => "a declaration or the end of the file",
        Rule::ident => "a name",
        Rule::string => "a quoted text like `\"label\"`",
        Rule::integer => "a whole number",
        Rule::number => "a number",
        Rule::boolean => "`true` or `false`",
        Rule::duration => "a duration like `1h30m`",
        Rule::percent => "a percentage like `75%`",
        Rule::time => "a time like `09:00`",
        Rule::date => "a date like `2026-10-01`",
        Rule::day => "a weekday (`mon`, `tue`, `wed`, `thu`, `fri`, `sat`, `sun`)",
        Rule::lbrace => "`{`",
        Rule::rbrace => "`}`",
        Rule::lparen => "`(`",
        Rule::rparen => "`)`",
        Rule::lbracket => "`[`",
        Rule::rbracket => "`]`",
        Rule::comma => "`,`",
        Rule::list_comma => "`,`",
        Rule::colon => "`:`",
        Rule::equals => "`=`",
        Rule::dash => "`-`",
        Rule::range_dots => "`..`",
        Rule::rank_lt => "`<`",
        Rule::kw_24x7 => "`24x7`",
        Rule::kw_above => "`above`",
        Rule::kw_after => "`after`",
        Rule::kw_and => "`and`",
        Rule::kw_applies => "`applies`",
        Rule::kw_appoint => "`appoint`",
        Rule::kw_appointment => "`appointment`",
        Rule::kw_at => "`at`",
        Rule::kw_attribute => "`attribute`",
        Rule::kw_before => "`before`",
        Rule::kw_boolean => "`boolean`",
        Rule::kw_breach => "`breach`",
        Rule::kw_breached => "`breached`",
        Rule::kw_by => "`by`",
        Rule::kw_calendar => "`calendar`",
        Rule::kw_change => "`change`",
        Rule::kw_closed => "`closed`",
        Rule::kw_commitments => "`commitments`",
        Rule::kw_current => "`current`",
        Rule::kw_day => "`day`",
        Rule::kw_days => "`days`",
        Rule::kw_do => "`do`",
        Rule::kw_each => "`each`",
        Rule::kw_durations => "`durations`",
        Rule::kw_elapsed => "`elapsed`",
        Rule::kw_end => "`end`",
        Rule::kw_escalation => "`escalation`",
        Rule::kw_event => "`event`",
        Rule::kw_from => "`from`",
        Rule::kw_grace => "`grace`",
        Rule::kw_handler => "`handler`",
        Rule::kw_hours => "`hours`",
        Rule::kw_if => "`if`",
        Rule::kw_in => "`in`",
        Rule::kw_keep => "`keep`",
        Rule::kw_least => "`least`",
        Rule::kw_like => "`like`",
        Rule::kw_met => "`met`",
        Rule::kw_month => "`month`",
        Rule::kw_most => "`most`",
        Rule::kw_moved => "`moved`",
        Rule::kw_next => "`next`",
        Rule::kw_not => "`not`",
        Rule::kw_notify => "`notify`",
        Rule::kw_number => "`number`",
        Rule::kw_objective => "`objective`",
        Rule::kw_of => "`of`",
        Rule::kw_on => "`on`",
        Rule::kw_one => "`one`",
        Rule::kw_open => "`open`",
        Rule::kw_or => "`or`",
        Rule::kw_order => "`order`",
        Rule::kw_owner => "`owner`",
        Rule::kw_pause => "`pause`",
        Rule::kw_per => "`per`",
        Rule::kw_policy => "`policy`",
        Rule::kw_private => "`private`",
        Rule::kw_promise => "`promise`",
        Rule::kw_public => "`public`",
        Rule::kw_rank => "`rank`",
        Rule::kw_ranks => "`ranks`",
        Rule::kw_require => "`require`",
        Rule::kw_restart => "`restart`",
        Rule::kw_resume => "`resume`",
        Rule::kw_same => "`same`",
        Rule::kw_standard => "`standard`",
        Rule::kw_step => "`step`",
        Rule::kw_stop => "`stop`",
        Rule::kw_subject => "`subject`",
        Rule::kw_target => "`target`",
        Rule::kw_term => "`term`",
        Rule::kw_text => "`text`",
        Rule::kw_time => "`time`",
        Rule::kw_timezone => "`timezone`",
        Rule::kw_to => "`to`",
        Rule::kw_trigger => "`trigger`",
        Rule::kw_until => "`until`",
        Rule::kw_use => "`use`",
        Rule::kw_vague => "`vague`",
        Rule::kw_venue => "`venue`",
        Rule::kw_venues => "`venues`",
        Rule::kw_version => "`version`",
        Rule::kw_warn => "`warn`",
        Rule::kw_week => "`week`",
        Rule::kw_when => "`when`",
        Rule::kw_within => "`within`",
        Rule::kw_where => "`where`",
        Rule::kw_workdays => "`workdays`",
        Rule::EOI => "end of file",
        Rule::WHITESPACE => "a space or a line break",
        Rule::COMMENT => "a comment",
        Rule::unary_op => "`not`",
        Rule::binary_op => "`and` or `or`",
        Rule::primary => "a condition like `kind == \"complaint\"`",
        Rule::expr_keyword => "`and`, `or`, `not`, `in`, `true` or `false`",
        Rule::ident_char => "a letter, digit or `_`",
    }
}

/// Keywords and punctuation: tokens that carry no value of their own in the tree.
pub(crate) fn is_noise(rule: Rule) -> bool {
    matches!(
        rule,
        Rule::kw_24x7
            | Rule::kw_above
            | Rule::kw_after
            | Rule::kw_and
            | Rule::kw_applies
            | Rule::kw_appoint
            | Rule::kw_appointment
            | Rule::kw_at
            | Rule::kw_attribute
            | Rule::kw_before
            | Rule::kw_boolean
            | Rule::kw_breach
            | Rule::kw_breached
            | Rule::kw_by
            | Rule::kw_calendar
            | Rule::kw_change
            | Rule::kw_closed
            | Rule::kw_commitments
            | Rule::kw_current
            | Rule::kw_day
            | Rule::kw_days
            | Rule::kw_do
            | Rule::kw_each
            | Rule::kw_durations
            | Rule::kw_elapsed
            | Rule::kw_end
            | Rule::kw_escalation
            | Rule::kw_event
            | Rule::kw_from
            | Rule::kw_grace
            | Rule::kw_handler
            | Rule::kw_hours
            | Rule::kw_if
            | Rule::kw_in
            | Rule::kw_keep
            | Rule::kw_least
            | Rule::kw_like
            | Rule::kw_met
            | Rule::kw_month
            | Rule::kw_most
            | Rule::kw_moved
            | Rule::kw_next
            | Rule::kw_not
            | Rule::kw_notify
            | Rule::kw_number
            | Rule::kw_objective
            | Rule::kw_of
            | Rule::kw_on
            | Rule::kw_one
            | Rule::kw_open
            | Rule::kw_or
            | Rule::kw_order
            | Rule::kw_owner
            | Rule::kw_pause
            | Rule::kw_per
            | Rule::kw_policy
            | Rule::kw_private
            | Rule::kw_promise
            | Rule::kw_public
            | Rule::kw_rank
            | Rule::kw_ranks
            | Rule::kw_require
            | Rule::kw_restart
            | Rule::kw_resume
            | Rule::kw_same
            | Rule::kw_standard
            | Rule::kw_step
            | Rule::kw_stop
            | Rule::kw_subject
            | Rule::kw_target
            | Rule::kw_term
            | Rule::kw_text
            | Rule::kw_time
            | Rule::kw_timezone
            | Rule::kw_to
            | Rule::kw_trigger
            | Rule::kw_until
            | Rule::kw_use
            | Rule::kw_vague
            | Rule::kw_venue
            | Rule::kw_venues
            | Rule::kw_version
            | Rule::kw_warn
            | Rule::kw_week
            | Rule::kw_when
            | Rule::kw_within
            | Rule::kw_where
            | Rule::kw_workdays
            | Rule::lbrace
            | Rule::rbrace
            | Rule::lparen
            | Rule::rparen
            | Rule::lbracket
            | Rule::rbracket
            | Rule::comma
            | Rule::list_comma
            | Rule::colon
            | Rule::equals
            | Rule::dash
            | Rule::range_dots
            | Rule::rank_lt
            | Rule::EOI
    )
}
