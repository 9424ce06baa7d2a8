from django.apps import AppConfig


class RealtimeConfig(AppConfig):
    name = "realtime"

    def ready(self) -> None:
        from django.db.models.signals import post_delete, post_save

        from accounts import signals
        from accounts.models import User
        from pets.signals import pet_changed
        from realtime import receivers

        signals.session_ended.connect(
            receivers.close_session_sockets, dispatch_uid="realtime.close_session_sockets"
        )
        signals.user_locked_out.connect(
            receivers.close_user_sockets, dispatch_uid="realtime.close_user_sockets"
        )
        signals.user_deleting.connect(
            receivers.user_deleted_activity, dispatch_uid="realtime.user_deleted_activity"
        )
        pet_changed.connect(
            receivers.pet_created_activity, dispatch_uid="realtime.pet_created_activity"
        )
        for saved_or_deleted in (post_save, post_delete):
            saved_or_deleted.connect(
                receivers.forget_moderators, sender=User, dispatch_uid="realtime.forget_moderators"
            )
        self._register_export_sections()

    def _register_export_sections(self) -> None:
        """Realtime's part of GET /me/export (accounts.exports)."""
        from accounts import exports
        from realtime import exports as realtime_exports
        from realtime.api.moderation_serializers import (
            ActivityOutput,
            AuditEntryOutput,
            FiledReportOutput,
        )
        from realtime.api.serializers import MessageOutput
        from realtime.models import (
            Activity,
            ChatRead,
            Event,
            EventCursor,
            Message,
            ModerationAction,
            Report,
        )

        exports.register(
            name="messages",
            read=realtime_exports.messages_sent,
            output=MessageOutput(many=True),
            models=(Message,),
        )
        exports.register(
            name="chat_reads",
            read=realtime_exports.chat_reads,
            output=realtime_exports.ChatReadRecordOutput(many=True),
            models=(ChatRead,),
        )
        exports.register(
            name="events",
            read=realtime_exports.event_log,
            output=realtime_exports.EventLogOutput(),
            models=(Event, EventCursor),
        )
        exports.register(
            name="reports",
            read=realtime_exports.reports_filed,
            output=FiledReportOutput(many=True),
            models=(Report,),
        )
        exports.register(
            name="activity",
            read=realtime_exports.activity_of,
            output=ActivityOutput(many=True),
            models=(Activity,),
        )
        exports.register(
            name="moderation_actions",
            read=realtime_exports.moderation_actions,
            output=AuditEntryOutput(many=True),
            models=(ModerationAction,),
        )
