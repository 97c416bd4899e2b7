"""The menu, one key (`d`) from the queue: stock, price, and drinks retired or restored.

Each change is the core's (`bar.menu`, as `bar menu …` and the barista tablet do): its
`MENU_CHANGED` event reaches every guest's menu at once. Retired drinks stay listed,
dimmed at the bottom, so `r` brings one back.
"""

from __future__ import annotations

from collections.abc import Iterable

from rich.text import Text
from textual.binding import Binding

from bar import menu
from bar.models import Drink
from kiosk.screens.ask import AskScreen
from kiosk.screens.listing import ListScreen, Row

IN_STOCK = Text("● in stock", style="green")
OUT_OF_STOCK = Text("○ out of stock", style="bold red")
RETIRED = Text("retired", style="dim")
NO_PRICE = ("-", "none")  # what takes a price away


class PriceScreen(AskScreen):
    """A drink's new price (the guests' menus show it at once)."""

    def __init__(self, drink: Drink, currency: str) -> None:
        now = f"{drink.price:.2f} {currency}".strip() if drink.price is not None else "no price"
        super().__init__(
            Text.assemble(("Price of ", "bold"), (drink.name, "bold"), f" (now {now})"),
            placeholder="e.g. 7.50, or - for no price",
            hint="enter: set it · escape: keep it",
            required="Type a price, or - for none (escape keeps it)",
            max_length=12,
        )


class DrinksScreen(ListScreen):
    """Every drink on the menu: whether guests can order it, and what it costs."""

    heading = "Drinks"
    columns = ("Drink", "Category", "Price", "Stock", "Options")
    hint = "⏎/space: in or out of stock · p: price · r: retire or restore · guests follow at once"
    BINDINGS = [
        Binding("space", "choose", "In/out of stock", key_display="⏎/space"),
        Binding("p", "price", "Price"),
        Binding("r", "retire", "Retire/restore"),
        Binding("d", "app.pop_screen", "Queue", show=False),
    ]

    def __init__(self) -> None:
        super().__init__()
        self._drinks: dict[str, Drink] = {}  # as on screen: what a key acts on

    def read(self) -> Iterable[Row]:
        drinks = sorted(menu.list_drinks(include_off_menu=True), key=lambda d: not d.on_menu)
        self._drinks = {drink.id: drink for drink in drinks}
        currency = self.kiosk.settings.currency
        for drink in drinks:
            options = " · ".join(f"{name}: {'/'.join(values)}"
                                 for name, values in drink.modifiers.items())
            price = f"{drink.price:.2f} {currency}".strip() if drink.price is not None else ""
            stock = IN_STOCK if drink.is_active else OUT_OF_STOCK
            yield drink.id, (
                Text(drink.name, style="bold" if drink.is_active and drink.on_menu else "dim"),
                Text(drink.category), Text(price), stock if drink.on_menu else RETIRED,
                Text(options, style="dim"),
            )

    def _selected_drink(self) -> Drink | None:
        drink_id = self.selected_or_say("drink")
        return self._drinks.get(drink_id) if drink_id is not None else None

    def action_choose(self) -> None:
        """Switch the selected drink: in stock ↔ out of stock."""
        drink = self._selected_drink()
        if drink is None:
            return
        if not drink.on_menu:
            self.notify(f"{drink.name} is retired: r puts it back on the menu", markup=False)
            return
        in_stock = not drink.is_active
        changed = self.attempt(lambda: menu.set_in_stock(drink.id, in_stock, now=self.kiosk.clock()))
        if changed is not None:
            state = "back in stock" if changed.is_active else "out of stock"
            self.notify(f"{changed.name} is {state}: guests see it now", markup=False)
            self.load()

    def action_price(self) -> None:
        """Ask for the selected drink's new price."""
        drink = self._selected_drink()
        if drink is None:
            return

        def set_price(answer: str | None) -> None:
            if answer is None:
                return
            price = None if answer.casefold() in NO_PRICE else answer
            changed = self.attempt(lambda: menu.edit_drink(
                drink.id, {"price": price}, now=self.kiosk.clock()))
            if changed is not None:
                said = (f"{changed.price:.2f} {self.kiosk.settings.currency}".strip()
                        if changed.price is not None else "no price")
                self.notify(f"{changed.name}: {said}, on every phone now", markup=False)
                self.load()

        self.app.push_screen(PriceScreen(drink, self.kiosk.settings.currency), set_price)

    def action_retire(self) -> None:
        """Take the selected drink off the menu, or put a retired one back."""
        drink = self._selected_drink()
        if drink is None:
            return
        change = menu.restore if not drink.on_menu else menu.retire
        changed = self.attempt(lambda: change(drink.id, now=self.kiosk.clock()))
        if changed is not None:
            said = "is back on the menu" if changed.on_menu else "is off the menu (r brings it back)"
            self.notify(f"{changed.name} {said}", markup=False)
            self.load()
            self.select(changed.id)
