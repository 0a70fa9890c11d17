"""What serving any of our Wagtail pages shares, kept cheap: a learner's page is opened
often (万人在线), and Wagtail asks the database the same few things on every request.

- The site of a request and its root page: each process keeps them for ten seconds
  (SiteMiddleware, for pages and views marked @uses_site), instead of a query for the site
  and two for its root page; and the sites' root paths, which every page URL is made from,
  instead of a read of the shared cache on each request.
- Routing: the page at a URL is found by its url_path (ShuangyuPage.route), not by walking the
  tree two queries a level: each process keeps which kind of page and which id is at a path,
  and the specific page itself, so serving it is one small query that checks the page kept is
  the page as it stands (its address, whether it is live, its live revision); anything that is
  not a page at that exact path (a 404, a page that routes further itself) takes Wagtail's
  walk. Pages kept are shared by a process's threads: read-only.
- View restrictions: while no page of the site has one (the usual case), a page has none to
  check; otherwise Wagtail checks them as it always does.

Saving or deleting a site, a page or a view restriction forgets what this process kept at
once; the other processes forget it within the seconds named here.
"""

from django.contrib.contenttypes.models import ContentType
from django.db.models.signals import post_delete, post_save
from wagtail.models import Page, PageViewRestriction, Site
from wagtail.signals import page_published, page_unpublished, post_page_move

from .memo import ProcessMemo
from .slugs import pinyin_slug

_sites: ProcessMemo[Site | None] = ProcessMemo(10)  # by (host name, port)
_root_paths: ProcessMemo[list] = ProcessMemo(10)  # Site.get_site_root_paths(), for page URLs
_restrictions: ProcessMemo[bool] = ProcessMemo(10)  # whether any restriction exists
# By url_path: the page's kind and id, so that serving it is one query for the page itself.
_page_keys: ProcessMemo[tuple[int, int] | None] = ProcessMemo(10, keep_none=False)
# By id: the specific page itself, served while its stamp (below) has not changed.
_pages: ProcessMemo[Page | None] = ProcessMemo(10, keep_none=False)


class SiteMiddleware:
    """For Wagtail's pages and the views marked @uses_site: sets the request's Wagtail site
    (request._wagtail_site, which Site.find_for_request reads) from this process's copy,
    its root page's specific object loaded once. Other requests (/healthz, the heartbeat,
    the API) never look for a site."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        if getattr(view_func, "uses_site", False) or (
            view_func.__module__ == "wagtail.views" and view_func.__name__ == "serve"
        ):
            request._wagtail_site = site_for_request(request)
            # Where Page.get_url_parts looks for the root paths before the shared cache.
            request._wagtail_cached_site_root_paths = _root_paths.get(
                None, Site.get_site_root_paths
            )


def uses_site(view):
    """Marks a view that reads the request's Wagtail site (its settings, page URLs)."""
    view.uses_site = True
    return view


def site_for_request(request) -> Site | None:
    hostname = request._get_raw_host().rsplit(":", 1)[0].lower()
    return _sites.get((hostname, request.get_port()), lambda: _site_found(request))


def _site_found(request) -> Site | None:
    site = Site.find_for_request(request)
    if site is not None:
        site.root_page.specific  # noqa: B018  (loaded once, with the site)
    return site


def _page_at(url_path: str) -> Page | None:
    """The specific page at `url_path`. Once this process knows its kind and id, it keeps the
    page itself for a few seconds and each request only checks, in one small query, that the
    page is still at that address, as live and at the revision kept: a page moved, renamed,
    unpublished, published again or deleted since (by any process) is read again."""
    key = _page_keys.get(
        url_path,
        lambda: Page.objects.filter(url_path=url_path).values_list("content_type_id", "pk").first(),
    )
    if key is None:
        return None
    content_type_id, pk = key
    stamp = Page.objects.filter(pk=pk).values_list(*_STAMP).first()
    kept = _pages.peek(pk)
    if kept is not None and stamp == _stamp(kept):
        return kept
    model = ContentType.objects.get_for_id(content_type_id).model_class()
    page = model.objects.filter(pk=pk).first() if model is not None else None
    if page is None or page.url_path != url_path:
        _page_keys.forget(url_path)
        page = Page.objects.filter(url_path=url_path).first()
        return page.specific if page is not None else None
    _pages.put(pk, page)
    return page


# What tells a kept page from the page as it stands: where it is, whether it is live, and which
# revision is live (every publish makes a new one).
_STAMP = ("url_path", "live", "live_revision_id", "last_published_at")


def _stamp(page: Page) -> tuple:
    return tuple(getattr(page, name) for name in _STAMP)


def any_view_restriction() -> bool:
    return _restrictions.get(None, PageViewRestriction.objects.exists)


def pages_forget(**kwargs) -> None:
    """Forget this process's copies (a site, a page or a restriction changed)."""
    _sites.forget()
    _root_paths.forget()
    _restrictions.forget()
    _page_keys.forget()
    _pages.forget()


for _signal in (post_save, post_delete):
    _signal.connect(pages_forget, sender=Site, dispatch_uid=f"lms.pages.site.{id(_signal)}")
    _signal.connect(
        pages_forget,
        sender=PageViewRestriction,
        dispatch_uid=f"lms.pages.restriction.{id(_signal)}",
    )
for _signal in (page_published, page_unpublished, post_page_move):
    _signal.connect(pages_forget, dispatch_uid=f"lms.pages.page.{id(_signal)}")


def _page_saved(sender, instance, **kwargs) -> None:
    """A page saved or deleted in this process without publishing (a script, a fixture)."""
    if isinstance(instance, Page):
        _pages.forget(instance.pk)


for _signal in (post_save, post_delete):
    _signal.connect(_page_saved, dispatch_uid=f"lms.pages.page-saved.{id(_signal)}")


class ShuangyuPage(Page):
    """The base of our page types: routing by url_path, and no view restrictions to read
    while the site has none."""

    class Meta:
        abstract = True

    def route(self, request, path_components):
        if path_components:
            url_path = f"{self.url_path}{'/'.join(path_components)}/"
            page = _page_at(url_path)
            if page is not None and page.live:
                return page.route(request, [])
        return super().route(request, path_components)

    def _set_core_field_defaults(self):
        """A slug with Chinese in it (as Wagtail's editor fills it from the title) is spelled
        in pinyin; an empty one is made from the title's pinyin. Either way unique among the
        page's siblings, as Wagtail's own would be."""
        if self.slug and not self.slug.isascii():
            self.slug = pinyin_slug(self.slug)
        parent_is_known = bool(self.path or getattr(self, "_cached_parent_obj", None))
        if not self.slug and parent_is_known and (base := pinyin_slug(self.title)):
            self.slug = self._get_autogenerated_slug(base)
        super()._set_core_field_defaults()

    def get_view_restrictions(self):
        if not any_view_restriction():
            return PageViewRestriction.objects.none()
        return super().get_view_restrictions()
