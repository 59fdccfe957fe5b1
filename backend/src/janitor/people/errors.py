"""Errors of people and assignments, each with its status and stable code."""

from __future__ import annotations

from janitor.core.errors import BadRequest, Conflict, NotFound


class PersonNotFound(NotFound):
    code = "person_not_found"
    message = "No such person."


class AccountNotFound(NotFound):
    code = "person_account_not_found"
    message = "That server account is not one of this person's."


class LastAccount(Conflict):
    code = "person_last_account"
    message = "That is the person's only server account: it is already a person of its own."


class MergeInvalid(BadRequest):
    code = "person_merge_invalid"
    message = "A person cannot be merged into itself."


class PairInvalid(BadRequest):
    code = "person_pair_invalid"
    message = "Choose two different people."


class AssignmentNotFound(NotFound):
    code = "assignment_not_found"
    message = "No such assignment."


class ItemsNotFound(NotFound):
    code = "assignment_items_not_found"
    message = "Some items are not on your servers (or are gone)."


class NotAssignable(BadRequest):
    code = "assignment_not_assignable"
    message = "Only movies and shows can be assigned."


class TooManyItems(BadRequest):
    code = "assignment_too_many_items"
    message = "Too many items match: narrow the filters."
