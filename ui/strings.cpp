#include "ui/strings.h"

#include <array>
#include <map>

namespace outpost::ui {
namespace {

struct Row {
  Msg id;
  const char* en;
  const char* es;
};

// One row per message; order does not matter.
constexpr std::array kRows{
    Row{Msg::welcome_heading, "Welcome", "Bienvenido"},
    Row{Msg::welcome_body, "Touch Check in to start.", "Toque Registrarse para empezar."},
    Row{Msg::check_in, "Check in", "Registrarse"},
    Row{Msg::videos, "Videos", "Videos"},
    Row{Msg::join_group, "Join a group", "Unirse a un grupo"},
    Row{Msg::coming_soon, "coming soon", "próximamente"},
    Row{Msg::language_heading, "Choose your language", "Elija su idioma"},
    Row{Msg::code_heading, "Your patient code", "Su código de paciente"},
    Row{Msg::code_body, "Type the 9 digits on your card.", "Escriba los 9 dígitos de su tarjeta."},
    Row{Msg::code_continue, "Continue", "Continuar"},
    Row{Msg::code_anonymous, "I have no code", "No tengo código"},
    Row{Msg::delete_digit, "Delete", "Borrar"},
    Row{Msg::back, "Back", "Atrás"},
    Row{Msg::next, "Next", "Siguiente"},
    Row{Msg::question_progress, "Question {1} of {2}", "Pregunta {1} de {2}"},
    Row{Msg::review_heading, "Check your answers", "Revise sus respuestas"},
    Row{Msg::review_body, "Touch an answer to change it.", "Toque una respuesta para cambiarla."},
    Row{Msg::review_skipped, "(no answer)", "(sin respuesta)"},
    Row{Msg::review_change, "Change", "Cambiar"},
    Row{Msg::submit, "Send", "Enviar"},
    Row{Msg::saving_heading, "Saving your answers", "Guardando sus respuestas"},
    Row{Msg::saving_body, "This takes a moment.", "Esto tarda un momento."},
    Row{Msg::thanks_heading, "Thank you", "Gracias"},
    Row{Msg::thanks_body, "Your answers were saved for your care team.",
        "Sus respuestas se guardaron para su equipo de atención."},
    Row{Msg::finish, "Finish", "Terminar"},
    Row{Msg::crisis_hold, "I have told the staff", "Ya avisé al personal"},
    Row{Msg::crisis_hold_hint, "Press and hold for 2 seconds", "Mantenga presionado 2 segundos"},
    Row{Msg::idle_heading, "Are you still there?", "¿Sigue ahí?"},
    Row{Msg::idle_body, "Your answers will be cleared in {1} seconds.",
        "Sus respuestas se borrarán en {1} segundos."},
    Row{Msg::still_here, "I am still here", "Sigo aquí"},
    Row{Msg::yes, "Yes", "Sí"},
    Row{Msg::no, "No", "No"},
    Row{Msg::unsupported_item, "Please ask the staff about this question.",
        "Por favor, pregunte al personal sobre esta pregunta."},
    Row{Msg::crisis_unsaved,
        "STAFF: {1} crisis alert(s) not yet saved for the clinic (storage problem). The kiosk keeps "
        "trying. Call the clinic now.",
        "PERSONAL: {1} alerta(s) de crisis aún sin guardar para la clínica (problema de almacenamiento). "
        "El kiosco sigue intentándolo. Llame a la clínica ahora."},
    Row{Msg::library_heading, "Videos", "Videos"},
    Row{Msg::library_empty, "There are no videos on this kiosk right now.",
        "En este momento no hay videos en este kiosco."},
    Row{Msg::topic_coping, "Coping skills", "Habilidades para afrontar"},
    Row{Msg::topic_sleep, "Sleep", "Sueño"},
    Row{Msg::topic_mood, "Mood", "Estado de ánimo"},
    Row{Msg::topic_anxiety, "Anxiety", "Ansiedad"},
    Row{Msg::topic_substance_use, "Alcohol and drugs", "Alcohol y drogas"},
    Row{Msg::topic_crisis, "In a crisis", "En una crisis"},
    Row{Msg::back_to_videos, "All videos", "Todos los videos"},
    Row{Msg::play, "Play", "Reproducir"},
    Row{Msg::pause, "Pause", "Pausa"},
    Row{Msg::play_again, "Play again", "Ver otra vez"},
    Row{Msg::seek_back, "Back 10 s", "Atrás 10 s"},
    Row{Msg::seek_forward, "Ahead 10 s", "Adelante 10 s"},
    Row{Msg::captions_off, "Captions: off", "Subtítulos: no"},
    Row{Msg::captions_in, "Captions: {1}", "Subtítulos: {1}"},
    Row{Msg::position, "{1} of {2}", "{1} de {2}"},
    Row{Msg::loading_video, "Starting the video...", "Iniciando el video..."},
    Row{Msg::no_sound, "This kiosk has no sound right now.",
        "Este kiosco no tiene sonido ahora."},
    Row{Msg::video_error_heading, "This video cannot play right now", "Este video no se puede ver ahora"},
    Row{Msg::video_error_body, "Please choose another video, or tell the staff.",
        "Por favor, elija otro video o avise al personal."},
};

const Row* find_row(Msg id) {
  for (const Row& r : kRows)
    if (r.id == id) return &r;
  return nullptr;
}

}  // namespace

const char* tr(std::string_view lang, Msg id) {
  const Row* r = find_row(id);
  if (r == nullptr) return "";
  return lang == "es" ? r->es : r->en;
}

std::string trf(std::string_view lang, Msg id, std::string_view a, std::string_view b) {
  std::string s = tr(lang, id);
  for (auto [key, value] : {std::pair{std::string_view("{1}"), a}, std::pair{std::string_view("{2}"), b}}) {
    if (auto at = s.find(key); at != std::string::npos) s.replace(at, key.size(), value);
  }
  return s;
}

const char* patient_error_text(std::string_view lang, PatientError e) {
  const bool es = lang == "es";
  switch (e) {
    case PatientError::none:
      return "";
    case PatientError::code_incomplete:
      return es ? "El código tiene 9 dígitos." : "The code has 9 digits.";
    case PatientError::code_mistyped:
      return es ? "Ese código no es correcto. Revíselo, por favor."
                : "That code is not right. Please check it.";
    case PatientError::anonymous_not_allowed:
      return es ? "Se necesita un código. Pregunte al personal." : "A code is needed. Please ask the staff.";
    case PatientError::answer_required:
      return es ? "Elija una respuesta, por favor." : "Please choose an answer.";
    case PatientError::answer_invalid:
      return es ? "Esa respuesta no es válida." : "That answer is not valid.";
    case PatientError::submit_failed:
      return es ? "No se pudo guardar. Avise al personal, por favor."
                : "Could not save. Please tell the staff.";
  }
  return "";
}

std::string topic_name(std::string_view lang, std::string_view topic) {
  static const std::map<std::string, Msg, std::less<>> kTopics{
      {"coping", Msg::topic_coping}, {"sleep", Msg::topic_sleep},
      {"mood", Msg::topic_mood},     {"anxiety", Msg::topic_anxiety},
      {"substance-use", Msg::topic_substance_use}, {"crisis", Msg::topic_crisis},
  };
  if (auto it = kTopics.find(topic); it != kTopics.end()) return tr(lang, it->second);
  return std::string(topic);
}

std::string language_name(std::string_view code) {
  static const std::map<std::string, std::string, std::less<>> kNames{
      {"en", "English"}, {"es", "Español"},  {"fr", "Français"},       {"pt", "Português"},
      {"de", "Deutsch"}, {"it", "Italiano"}, {"ht", "Kreyòl ayisyen"},
  };
  if (auto it = kNames.find(code); it != kNames.end()) return it->second;
  return std::string(code);
}

}  // namespace outpost::ui
