CREATE TABLE "early_delivery_reports" (
	"channel_account_id" uuid NOT NULL,
	"channel_message_id" text NOT NULL,
	"state" text NOT NULL,
	"error" text,
	"window_closed" boolean DEFAULT false NOT NULL,
	"received_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "early_delivery_reports_channel_account_id_channel_message_id_state_pk" PRIMARY KEY("channel_account_id","channel_message_id","state")
);
--> statement-breakpoint
ALTER TABLE "early_delivery_reports" ADD CONSTRAINT "early_delivery_reports_channel_account_id_channel_accounts_id_fk" FOREIGN KEY ("channel_account_id") REFERENCES "public"."channel_accounts"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "early_delivery_reports_received_idx" ON "early_delivery_reports" USING btree ("received_at");