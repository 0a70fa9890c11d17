"""Permission policies: model permissions from the role's group, objects from the scope."""

from wagtail.permission_policies import ModelPermissionPolicy

from .selectors import townships_managed_by, user_is_administrator, user_role, villages_visible_to


class VillageScopedPolicy(ModelPermissionPolicy):
    """Model permissions as usual; an instance only if its village is in the user's scope."""

    def __init__(self, model, *, village_path: str):
        super().__init__(model)
        self.village_path = village_path

    def _in_scope(self, user, instance) -> bool:
        if user_is_administrator(user):
            return True
        village_id = getattr(instance, f"{self.village_path}_id", None)
        return villages_visible_to(user).filter(pk=village_id).exists()

    def user_has_permission_for_instance(self, user, action, instance):
        return self.user_has_permission(user, action) and self._in_scope(user, instance)

    def user_has_any_permission_for_instance(self, user, actions, instance):
        return self.user_has_any_permission(user, actions) and self._in_scope(user, instance)

    def instances_user_has_any_permission_for(self, user, actions):
        if not self.user_has_any_permission(user, actions):
            return self.model.objects.none()
        if user_is_administrator(user):
            return self.model.objects.all()
        return self.model.objects.filter(**{f"{self.village_path}__in": villages_visible_to(user)})


class AdministratorOnlyPolicy(ModelPermissionPolicy):
    """Only administrators, whatever the group permissions say; optionally only some actions."""

    def __init__(self, model, *, actions=None):
        super().__init__(model)
        self.actions = actions

    def user_has_permission(self, user, action):
        return user_is_administrator(user) and (self.actions is None or action in self.actions)

    def user_has_any_permission(self, user, actions):
        return any(self.user_has_permission(user, action) for action in actions)


class TownshipSettingsPolicy(ModelPermissionPolicy):
    """A township's own settings (the year's program, targets): administrators and township
    staff only, whatever the role groups' model permissions say; staff their own township."""

    def user_has_permission(self, user, action):
        from .models import RoleAssignment

        return user_role(user) in (
            RoleAssignment.Role.ADMINISTRATOR,
            RoleAssignment.Role.TOWNSHIP_STAFF,
        )

    def user_has_any_permission(self, user, actions):
        return self.user_has_permission(user, None)

    def instances_user_has_any_permission_for(self, user, actions):
        return self.model.objects.filter(township__in=townships_managed_by(user))
