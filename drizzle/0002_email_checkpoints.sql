CREATE TABLE "email_checkpoints" (
	"channel_account_id" uuid NOT NULL,
	"mailbox" text NOT NULL,
	"uid_validity" bigint NOT NULL,
	"last_uid" bigint NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "email_checkpoints_channel_account_id_mailbox_pk" PRIMARY KEY("channel_account_id","mailbox")
);
--> statement-breakpoint
ALTER TABLE "email_checkpoints" ADD CONSTRAINT "email_checkpoints_channel_account_id_channel_accounts_id_fk" FOREIGN KEY ("channel_account_id") REFERENCES "public"."channel_accounts"("id") ON DELETE cascade ON UPDATE no action;