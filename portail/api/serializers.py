"""What the API reads and writes. Input serializers only parse and type the body; the rules live in the
services (portail/habilitations/services.py, portail/accounts/services.py), as for the screens."""
from rest_framework import serializers

from portail.accounts.models import User
from portail.conventions.models import Convention
from portail.habilitations.models import Group, GroupRole, Membership
from portail.journal.models import JournalEntry

# ---------------------------------------------------------------- read


class NamedSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()


class CafSerializer(serializers.Serializer):
    code = serializers.CharField()
    name = serializers.CharField()


class ConventionSerializer(serializers.ModelSerializer):
    caf = CafSerializer()
    organisation = NamedSerializer()
    services = serializers.SlugRelatedField(slug_field="code", many=True, read_only=True)
    is_open = serializers.BooleanField(help_text="La convention donne des droits aujourd'hui (R1).")
    management_taken_back = serializers.SerializerMethodField(
        help_text="La Caf a repris la gestion des habilitations : aucune modification possible.")

    class Meta:
        model = Convention
        fields = ["id", "label", "caf", "organisation", "services", "opening_date", "closing_date", "status",
                  "is_open", "management_taken_back"]

    def get_management_taken_back(self, convention) -> bool:
        return convention.management_taken_back_at is not None


class GroupRoleSerializer(serializers.ModelSerializer):
    service = serializers.CharField(source="role.service.code")
    role = serializers.CharField(source="role.code")
    label = serializers.CharField(source="role.label")

    class Meta:
        model = GroupRole
        fields = ["service", "role", "label", "state"]


class GroupSerializer(serializers.ModelSerializer):
    roles = GroupRoleSerializer(source="group_roles", many=True, read_only=True)

    class Meta:
        model = Group
        fields = ["id", "code", "label", "level", "parent", "opening_date", "closing_date", "status", "responsable",
                  "roles"]


class MembershipOfUserSerializer(serializers.ModelSerializer):
    code = serializers.CharField(source="group.code")

    class Meta:
        model = Membership
        fields = ["id", "group", "code", "ends_on"]


class UserSerializer(serializers.ModelSerializer):
    memberships = MembershipOfUserSerializer(source="api_memberships", many=True, read_only=True,
                                             help_text="Ses appartenances aux groupes de la convention.")

    class Meta:
        model = User
        fields = ["id", "username", "last_name", "first_name", "email", "pending_email", "phone", "opening_date",
                  "closing_date", "status", "work_mode", "memberships"]


class MembershipSerializer(serializers.ModelSerializer):
    username = serializers.CharField(source="user.username")
    group_code = serializers.CharField(source="group.code")

    class Meta:
        model = Membership
        fields = ["id", "user", "username", "group", "group_code", "added_at", "ends_on"]


class JournalEntrySerializer(serializers.ModelSerializer):
    actor = serializers.CharField(source="actor_identifier")
    action_label = serializers.CharField(source="get_action_display")

    class Meta:
        model = JournalEntry
        fields = ["id", "created_at", "action", "action_label", "actor", "convention_id", "group_id", "role_id",
                  "target_user_id", "details"]


# ---------------------------------------------------------------- write


class GroupCreateSerializer(serializers.Serializer):
    code = serializers.CharField(max_length=20)
    label = serializers.CharField(max_length=120)
    opening_date = serializers.DateField(required=False, help_text="Par défaut : aujourd'hui.")
    closing_date = serializers.DateField(required=False, allow_null=True)
    parent = serializers.IntegerField(required=False, allow_null=True, help_text="Identifiant du groupe parent.")
    responsable = serializers.IntegerField(required=False, allow_null=True,
                                           help_text="Identifiant du responsable des habilitations.")


class GroupUpdateSerializer(serializers.Serializer):
    label = serializers.CharField(max_length=120, required=False)
    opening_date = serializers.DateField(required=False)
    closing_date = serializers.DateField(required=False, allow_null=True)
    responsable = serializers.IntegerField(required=False, allow_null=True)


class GroupCloseSerializer(serializers.Serializer):
    closing_date = serializers.DateField(required=False, help_text="Par défaut : aujourd'hui.")


class GroupRolesSerializer(serializers.Serializer):
    service = serializers.CharField(help_text="Code du service (ex. CDAP).")
    roles = serializers.ListField(child=serializers.CharField(max_length=10), allow_empty=True,
                                  help_text="Codes des rôles que le groupe détient désormais pour ce service.")
    confirm = serializers.BooleanField(
        default=False, help_text="Obligatoire quand un retrait s'étend aux sous-groupes ou à des utilisateurs.")


class UserCreateSerializer(serializers.Serializer):
    last_name = serializers.CharField(max_length=100)
    first_name = serializers.CharField(max_length=150)
    email = serializers.EmailField()
    phone = serializers.CharField(max_length=20, required=False, allow_blank=True, default="")
    opening_date = serializers.DateField(required=False)
    closing_date = serializers.DateField(required=False, allow_null=True)
    work_mode = serializers.ChoiceField(choices=User.WorkMode.choices, required=False,
                                        default=User.WorkMode.SEDENTARY)


class UserUpdateSerializer(serializers.Serializer):
    last_name = serializers.CharField(max_length=100, required=False)
    first_name = serializers.CharField(max_length=150, required=False)
    email = serializers.EmailField(required=False, help_text="Prise en compte après confirmation par la nouvelle adresse.")
    phone = serializers.CharField(max_length=20, required=False, allow_blank=True)
    opening_date = serializers.DateField(required=False)
    closing_date = serializers.DateField(required=False, allow_null=True)
    work_mode = serializers.ChoiceField(choices=User.WorkMode.choices, required=False)


class MembershipCreateSerializer(serializers.Serializer):
    user = serializers.IntegerField()
    group = serializers.IntegerField()
    ends_on = serializers.DateField(required=False, allow_null=True,
                                    help_text="Dernier jour où l'appartenance donne des droits.")


class MembershipUpdateSerializer(serializers.Serializer):
    ends_on = serializers.DateField(allow_null=True)


class ProblemSerializer(serializers.Serializer):
    """RFC 9457 problem details."""

    type = serializers.URLField()
    title = serializers.CharField()
    status = serializers.IntegerField()
    detail = serializers.CharField(help_text="Explication en français.")
    instance = serializers.CharField(required=False)
    errors = serializers.DictField(child=serializers.ListField(child=serializers.CharField()), required=False,
                                   help_text="Messages par champ (« _ » : la requête entière).")
