"""How a flow module declares what it owns, the way an aiogram router owns its handlers: the dialog steps
(state → what fills it, the one-line reminder, what "batal" does there), the button actions and the intents.
The engine includes every flow's router in one place and never learns a state's name.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, TypeVar

from handlers.model import MAX_INCOMING_TEXT, Reply

if TYPE_CHECKING:
    from handlers.context import Turn
    from handlers.understanding import Said

StepHandler = Callable[["Turn", "Said"], Awaitable[list[Reply] | None]]
ButtonHandler = Callable[["Turn", str], Awaitable[list[Reply]]]
IntentHandler = Callable[["Turn", "Said"], Awaitable[list[Reply]]]
Reminder = Callable[["Turn"], Reply]
Cancel = Callable[["Turn"], Awaitable[list[Reply]]]
T = TypeVar("T")


@dataclass(frozen=True)
class Step:
    """A dialog step. `fill` returns the replies when the message fits the step (or is an unclear attempt at
    it, answered with an example), and None when the message is something else for the engine to answer."""

    state: str
    fill: StepHandler
    reminder: Reminder
    cancel: Cancel | None = None
    own_escapes: tuple[str, ...] = ()  # ways out this step reads as its own answer ("hapus data" = yes)
    free_text: bool = False  # any text is the answer (an announcement): only a bare "batal"/"menu" escapes
    max_text: int = MAX_INCOMING_TEXT  # the longest message the step reads (a question for an officer: more)
    too_long: Reminder | None = None  # the step's own answer to a longer one (the step stays)


@dataclass
class Router:
    name: str
    steps: dict[str, Step] = field(default_factory=dict)
    buttons: dict[str, ButtonHandler] = field(default_factory=dict)
    intents: dict[str, IntentHandler] = field(default_factory=dict)

    def step(
        self,
        *states: str,
        reminder: Reminder,
        cancel: Cancel | None = None,
        own_escapes: tuple[str, ...] = (),
        free_text: bool = False,
        max_text: int = MAX_INCOMING_TEXT,
        too_long: Reminder | None = None,
    ) -> Callable[[StepHandler], StepHandler]:
        def register(handler: StepHandler) -> StepHandler:
            for state in states:
                self.steps[state] = Step(state, handler, reminder, cancel, own_escapes, free_text, max_text, too_long)
            return handler

        return register

    def button(self, *actions: str) -> Callable[[ButtonHandler], ButtonHandler]:
        def register(handler: ButtonHandler) -> ButtonHandler:
            for action in actions:
                self.buttons[action] = handler
            return handler

        return register

    def intent(self, *intents: str) -> Callable[[IntentHandler], IntentHandler]:
        def register(handler: IntentHandler) -> IntentHandler:
            for intent in intents:
                self.intents[intent] = handler
            return handler

        return register


@dataclass
class Routes:
    """Every router included: one table per kind, each key owned by exactly one flow."""

    steps: dict[str, Step] = field(default_factory=dict)
    buttons: dict[str, ButtonHandler] = field(default_factory=dict)
    intents: dict[str, IntentHandler] = field(default_factory=dict)

    def include(self, router: Router) -> None:
        _merge(router.name, self.steps, router.steps)
        _merge(router.name, self.buttons, router.buttons)
        _merge(router.name, self.intents, router.intents)


def _merge(owner: str, table: dict[str, T], mine: dict[str, T]) -> None:
    for key in mine:
        if key in table:
            raise ValueError(f"{owner}: {key!r} is already registered by another flow")
    table.update(mine)
