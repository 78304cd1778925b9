from django import template

register = template.Library()


@register.filter
def get_figure(figures: dict, key: str):
    """A row's figure by metric key (templates cannot index a dict by a variable)."""
    return figures.get(key)
