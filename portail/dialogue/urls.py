from django.urls import path

from .views import caf, partner

app_name = "dialogue"
urlpatterns = [
    # Partner side
    path("", partner.mine, name="mine"),
    path("nouveau/<str:caf_code>/<str:number>/", partner.new, name="new"),
    path("<int:pk>/", partner.detail, name="detail"),
    path("<int:pk>/piece-jointe/", partner.attachment, name="attachment"),
    # Caf side
    path("caf/", caf.inbox, name="inbox"),
    path("caf/<int:pk>/", caf.inbox_detail, name="inbox_detail"),
    path("caf/<int:pk>/repondre/", caf.answer, name="answer"),
    path("caf/<int:pk>/traiter/", caf.mark_done, name="mark_done"),
    path("caf/<int:pk>/piece-jointe/", caf.attachment, name="inbox_attachment"),
]
