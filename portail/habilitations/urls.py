from django.urls import path

from portail.accounts.views_reset import user_second_factor_reset

from .views import bulk, groups, memberships, roles, users

app_name = "habilitations"
urlpatterns = [
    path("groupes/", groups.group_list, name="groups"),
    path("groupes/creer/", groups.group_create, name="group_create"),
    path("groupes/<int:group_id>/modifier/", groups.group_update, name="group_update"),
    path("groupes/<int:group_id>/cloturer/", groups.group_close, name="group_close"),
    path("groupes/<int:group_id>/habilitations/", roles.group_roles, name="group_roles"),
    path("utilisateurs/", users.user_list, name="users"),
    path("utilisateurs/creer/", users.user_create, name="user_create"),
    path("utilisateurs/<int:user_id>/modifier/", users.user_update, name="user_update"),
    path("utilisateurs/<int:user_id>/cloturer/", users.user_close, name="user_close"),
    path("utilisateurs/<int:user_id>/debloquer/", users.user_unlock, name="user_unlock"),
    path("utilisateurs/<int:user_id>/second-facteur/", user_second_factor_reset, name="user_second_factor_reset"),
    path("utilisateurs/<int:user_id>/ajouter-au-groupe/", memberships.membership_add, name="membership_add"),
    path("utilisateurs/<int:user_id>/appartenance/", memberships.memberships, name="memberships"),
    path("utilisateurs/<int:user_id>/appartenance/<int:group_id>/retirer/", memberships.membership_remove,
         name="membership_remove"),
    path("utilisateurs/<int:user_id>/appartenance/<int:group_id>/date-de-fin/", memberships.membership_end,
         name="membership_end"),
    path("utilisateurs/import/", bulk.users_import, name="users_import"),
    path("utilisateurs/import/modele.<str:file_format>", bulk.users_import_template, name="users_import_template"),
    path("utilisateurs/import/<int:import_id>/", bulk.users_import_preview, name="users_import_preview"),
    path("utilisateurs/import/<int:import_id>/confirmer/", bulk.users_import_confirm, name="users_import_confirm"),
    path("utilisateurs/import/<int:import_id>/erreurs.csv", bulk.users_import_errors, name="users_import_errors"),
    path("utilisateurs/export.<str:file_format>", bulk.users_export, name="users_export"),
]
