from django.db import migrations


def create_homepage(apps, schema_editor):
    """Replace Wagtail's welcome page with the township's home page and point the site at it."""
    ContentType = apps.get_model("contenttypes.ContentType")
    Locale = apps.get_model("wagtailcore.Locale")
    Page = apps.get_model("wagtailcore.Page")
    Site = apps.get_model("wagtailcore.Site")
    HomePage = apps.get_model("home.HomePage")

    page_type = ContentType.objects.get(model="page", app_label="wagtailcore")
    Page.objects.filter(content_type=page_type, slug="home", depth=2).delete()
    root = Page.objects.get(depth=1)
    home_type, _created = ContentType.objects.get_or_create(model="homepage", app_label="home")
    locale = Locale.objects.order_by("pk").first()
    homepage = HomePage.objects.create(
        title="双育学习培训平台",
        draft_title="双育学习培训平台",
        slug="home",
        content_type=home_type,
        path=f"{root.path}0001",
        depth=2,
        numchild=0,
        url_path="/home/",
        locale=locale,
        live=True,
        intro="<p>党员在线学习、农民科技培训与签到、学时统计和证书，一个平台完成。</p>",
    )
    root.numchild = Page.objects.filter(depth=2).count()
    root.save(update_fields=["numchild"])
    site = Site.objects.filter(is_default_site=True).first()
    if site:
        site.root_page_id = homepage.pk
        site.site_name = "双育"
        site.save()
    else:
        Site.objects.create(
            hostname="localhost", port=80, root_page=homepage, is_default_site=True,
            site_name="双育",
        )


def remove_homepage(apps, schema_editor):
    HomePage = apps.get_model("home.HomePage")
    HomePage.objects.filter(slug="home", depth=2).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("home", "0001_initial"),
        ("wagtailcore", "0098_apitoken"),
    ]

    operations = [migrations.RunPython(create_homepage, remove_homepage)]
