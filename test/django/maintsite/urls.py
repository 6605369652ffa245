from django.urls import path

from fleet import views

urlpatterns = [
    path("agents/<int:agent_id>/maintenance", views.agent_maintenance),
]
