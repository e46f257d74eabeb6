"""Demo messages so the Caf agent's inbox is not empty: one waiting, one already answered."""
from portail.accounts.models import User
from portail.dossiers.models import Dossier
from portail.access import consultation_rights

from . import services
from .models import Message

DEMO_MESSAGES = [
    ("Changement de situation familiale",
     "Bonjour,\nL'allocataire nous signale une séparation le mois dernier. Pouvez-vous nous confirmer que la "
     "déclaration a bien été enregistrée ?\nMerci.", None),
    ("Baisse de l'aide au logement",
     "La famille constate une baisse de son aide au logement ce mois-ci et ne comprend pas pourquoi.",
     "Une retenue mensuelle est appliquée pour le remboursement d'un trop-perçu. L'allocataire peut demander un "
     "échéancier plus long auprès de la Caf."),
]


def load_demo_messages(*, author_username="DEMO0003", agent_username="CAFA0001") -> int:
    """Idempotent: nothing is added once the author has messages. Returns how many were created."""
    author = User.objects.filter(username=author_username).first()
    agent = User.objects.filter(username=agent_username).first()
    if author is None or agent is None or Message.objects.filter(author=author).exists():
        return 0
    rights = consultation_rights(author, agent.caf_id)
    dossier = Dossier.objects.filter(caf_id=agent.caf_id).order_by("number").first()
    if dossier is None or not rights.can_write_dialogue:
        return 0
    for subject, body, answer in DEMO_MESSAGES:
        message = services.message_send(actor=author, rights=rights, dossier=dossier, subject=subject, body=body)
        if answer:
            services.message_answer(actor=agent, message=message, body=answer)
    return len(DEMO_MESSAGES)
