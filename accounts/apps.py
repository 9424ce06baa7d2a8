from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = "Accounts"

    def ready(self) -> None:
        # Registers the OpenAPI auth scheme; connects the suspension receiver.
        from rest_framework import serializers

        from accounts import active_days, exports, schema, selectors, signals  # noqa: F401
        from accounts.api import serializers as io
        from accounts.models import ActiveDay, ActiveWeek, Block, Feedback, Session, User

        # The first sections of GET /me/export; the apps above add theirs (accounts.exports).
        exports.register(
            name="profile", read=lambda *, user: user, output=io.UserOutput(), models=(User,)
        )
        exports.register(
            name="sessions",
            read=selectors.session_records,
            output=io.SessionRecordOutput(many=True),
            models=(Session,),
        )
        exports.register(
            name="blocked_users",
            read=selectors.blocks_made,
            output=io.BlockOutput(many=True),
            models=(Block,),
        )
        exports.register(
            name="feedback",
            read=selectors.feedback_given,
            output=io.FeedbackOutput(many=True),
            models=(Feedback,),
        )
        exports.register(
            name="active_days",
            read=active_days.active_days_of,
            output=serializers.ListField(child=serializers.DateField()),
            models=(ActiveDay, ActiveWeek),
        )
