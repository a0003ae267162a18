"""What went wrong, in the reader's language: problem codes (from the API's one mapping of
errors to problem details) and pydantic's error types, each to a message id."""

from __future__ import annotations

from typing import Any

from api.console.labels import N_

PROBLEMS: dict[str, str] = {
    "validation_error": N_("Some fields need another look."),
    "invalid_input": N_("Some fields need another look."),
    "step_rejected": N_("The case does not allow this step now."),
    "wrong_stage": N_("The case is not at a stage that allows this step."),
    "wrong_status": N_("This item is not at a status that allows this step."),
    "need_missing": N_("The case does not have this need; add it first."),
    "need_present": N_("The case has this need already."),
    "reason_required": N_("Give a reason."),
    "late_reason_required": N_("The deadline has passed: say why this step comes late."),
    "already_assigned": N_("This lawyer is assigned already."),
    "already_referred": N_("The matter was referred to this department already."),
    "not_referred": N_("The matter was not referred to this department."),
    "already_acknowledged": N_("This department acknowledged already."),
    "link_revoked": N_("The department's answer link is revoked already."),
    "link_not_revoked": N_("The department's link is in force: revoke it first."),
    "not_acknowledged": N_("The department has not acknowledged the referral yet."),
    "progress_backwards": N_("The department reported a later stage already."),
    "amount_exceeds_approval": N_("The amount is more than was approved."),
    "amount_exceeds_grant": N_("All payments together would be more than was granted."),
    "follow_up_not_due": N_("This follow-up is not due yet."),
    "case_not_open": N_("The case is closed."),
    "stale_version": N_("The case changed since this page was shown. Check it and submit again."),
    "possible_duplicate": N_("This person may already have an open case."),
    "intake_in_progress": N_("Another intake of this person is in progress; retry shortly."),
    "idempotency_key_reused": N_("This form was submitted already with other values."),
    "case_not_found": N_("There is no such case, or it is not yours to see."),
    "not_found": N_("There is no such page."),
    "unknown_matter": N_("There is no such legal matter."),
    "forbidden": N_("Your role may not do this."),
    "user_exists": N_("There is an account of this name already."),
    "unknown_user": N_("There is no such account at this centre."),
    "unknown_request": N_("There is no such change waiting."),
    "second_admin_required": N_("Another admin of the centre must approve this."),
    "not_authenticated": N_("Wrong user name or password, or the account is disabled."),
    "session_ended": N_("Your session has ended. Sign in again: what you typed is kept."),
    "csrf_failed": N_("This form is out of date or did not come from this site. Reload the page."),
    "too_many_attempts": N_("Too many sign-in attempts. Wait a few minutes and try again."),
    "sign_in_busy": N_("Many people are signing in at once. Try again in a moment."),
    "password_change_required": N_("Choose your own password first."),
    "body_too_large": N_("What was sent is too large."),
    "engine_unavailable": N_("The case engine is unavailable. Try again in a moment."),
    "step_unconfirmed": N_("The step was not confirmed in time. Submit the form again."),
    "database_unavailable": N_("The database is unavailable. Try again in a moment."),
    "internal_error": N_("Something went wrong on our side. It has been logged."),
    "person_not_found": N_("There is no such person in the register."),
    "person_erased": N_("This person was erased from the register."),
    "ambiguous_person": N_("Several people of the register may be this person."),
    "campaign_not_found": N_("There is no such campaign."),
    "campaign_closed": N_("The campaign is closed; its figures are final."),
    "not_in_campaign": N_("This household is not in the campaign."),
    "visit_not_found": N_("There is no such visit."),
    "visit_has_case": N_("A case was opened from this visit already."),
    "case_number_failed": N_(
        "The case could not be given a number, so nothing was recorded. Tell the administrator."
    ),
    "projection_failed": N_(
        "The step is recorded but cannot be shown yet: an operator must mend it. "
        "Do not submit it again."
    ),
    "invalid_cursor": N_("This page of the list is out of date. Open the list again."),
    "bad_rows": N_("Some rows of the file need another look."),
    "letter_not_found": N_("There is no such letter."),
    "evidence_not_found": N_("There is no such file."),
    "link_not_valid": N_("This link is not valid: it has expired or was revoked."),
    "notification_not_found": N_("There is no such notification."),
    "notification_not_retryable": N_("This notification cannot be sent again."),
    "unknown_reassignment": N_("There is no such reassignment."),
}
UNKNOWN_PROBLEM = N_("The request could not be done.")

# pydantic's error types (https://docs.pydantic.dev/latest/errors/validation_errors/).
FIELD_ERRORS: dict[str, str] = {
    "missing": N_("Required."),
    "string_too_short": N_("Required."),
    "string_too_long": N_("Too long."),
    "string_type": N_("Enter text."),
    "string_pattern_mismatch": N_("Not in the expected form."),
    "too_long": N_("Too many items."),
    "too_short": N_("Choose at least one."),
    "enum": N_("Choose one of the options."),
    "literal_error": N_("Choose one of the options."),
    "bool_parsing": N_("Choose yes or no."),
    "date_parsing": N_("Enter a date."),
    "date_from_datetime_parsing": N_("Enter a date."),
    "datetime_parsing": N_("Enter a date and time."),
    "datetime_from_date_parsing": N_("Enter a date and time."),
    "decimal_parsing": N_("Enter an amount."),
    "decimal_max_digits": N_("Too large an amount."),
    "decimal_max_places": N_("At most two decimals."),
    "decimal_whole_digits": N_("Too large an amount."),
    "greater_than": N_("Must be more than zero."),
    "int_parsing": N_("Enter a whole number."),
    "value_error": N_("Not valid."),
}


# What the models' own validators say (the text they raise), in words for the desk.
VALUE_ERRORS: dict[str, str] = {
    "must be 18 characters: 17 digits and a check digit (0-9 or X)": N_(
        "An ID number has 18 characters: 17 digits and a check digit (0-9 or X)."
    ),
    "birth date inside the ID number is not a real date": N_(
        "The birth date inside the ID number is not a real date."
    ),
    "check digit does not match": N_("The ID number's check digit does not match."),
    "must be a mainland mobile (11 digits, 1[3-9]…) or a landline (0…)": N_(
        "Enter a mobile number (11 digits) or a landline number starting with 0."
    ),
    "ends_on is before starts_on": N_("The end is before the start."),
    "bureau_name is required when bureau is 'other'": N_("Name the bureau."),
    "reason is required when the person has left the job": N_("Say why the person left the job."),
    "nothing can be given when the family was not reached": N_(
        "Nothing can be given when the family was not met."
    ),
}


def field_message(error: Any) -> str:
    """The message id for one of pydantic's errors."""
    if error["type"] == "value_error":
        said = str(error.get("ctx", {}).get("error", ""))
        return VALUE_ERRORS.get(said, FIELD_ERRORS["value_error"])
    return FIELD_ERRORS.get(str(error["type"]), FIELD_ERRORS["value_error"])


def problem_message(code: str) -> str:
    return PROBLEMS.get(code, UNKNOWN_PROBLEM)
