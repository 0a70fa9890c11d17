from django import template

register = template.Library()


@register.filter
def percent(value) -> str:
    """0.4567 → '45.7%'; None (nothing to divide by) → '—'."""
    if value is None:
        return "—"
    return f"{value * 100:.1f}%"


@register.filter
def get(mapping, key):
    return mapping.get(key) if mapping else None
