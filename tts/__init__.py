"""Speech for BIN alert calls: normalised Belgian text -> cached 8 kHz telephone audio.

Imports nothing from binalert, ivr or api.
"""

from tts.config import SpeechConfig
from tts.engines import EngineError
from tts.normalise import normalise
from tts.phrases import PHRASES, phrase
from tts.service import SpeechService
from tts.types import CALL_LIMIT_S, CallAudio, Fallback, SpeechPath, VoiceRow

__all__ = [
    "CALL_LIMIT_S",
    "PHRASES",
    "CallAudio",
    "EngineError",
    "Fallback",
    "SpeechConfig",
    "SpeechPath",
    "SpeechService",
    "VoiceRow",
    "normalise",
    "phrase",
]
