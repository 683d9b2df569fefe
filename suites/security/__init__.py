"""security: the chatbot assessed as an attacker would, safely enough for staging."""
