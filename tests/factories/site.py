"""The Wagtail tree the data migrations make, for tests that run after a transactional test
has flushed it (PostgreSQL): locale, root collection, root page, home page, default site."""


def site_tree_ensure():
    from django.conf import settings
    from wagtail.models import Collection, Locale, Page, Site

    from lms.home.models import HomePage

    Locale.objects.get_or_create(language_code=settings.LANGUAGE_CODE)
    if not Collection.objects.exists():
        Collection.add_root(name="Root")
    root = Page.objects.filter(depth=1).first() or Page.add_root(title="Root", slug="root")
    home = Page.objects.filter(depth=2).first()
    if home is None:
        home = root.add_child(instance=HomePage(title="双育学习培训平台", slug="home"))
    Site.objects.update_or_create(
        is_default_site=True,
        defaults={"hostname": "localhost", "port": 80, "root_page": home, "site_name": "双育"},
    )
    return home
