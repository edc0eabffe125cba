-- Every clean landed version of every order, all platforms, with the receiver data cleaned in Python.
-- A version quarantined by the loader (receiver data undecryptable) or by staging is left out here and
-- shows in fct_quarantine instead: records in = clean versions + quarantined versions.
with versions as (
    {{ union_platforms('orders', [
        ('platform', 'varchar'), ('shop_key', 'varchar'), ('order_id', 'varchar'), ('status', 'varchar'),
        ('status_raw', 'varchar'), ('currency', 'varchar'), ('goods_amount', 'decimal(18,2)'),
        ('shipping_fee', 'decimal(18,2)'), ('discount_amount', 'decimal(18,2)'), ('total_amount', 'decimal(18,2)'),
        ('paid_amount', 'decimal(18,2)'), ('created_at', 'timestamptz'), ('paid_at', 'timestamptz'),
        ('shipped_at', 'timestamptz'), ('completed_at', 'timestamptz'), ('cancelled_at', 'timestamptz'),
        ('ship_by', 'timestamptz'), ('modified_at', 'timestamptz'), ('business_date', 'date'),
        ('line_count', 'integer'), ('buyer_message_present', 'boolean'), ('risk_flag', 'boolean'),
        ('load_id', 'bigint'), ('landing_file', 'varchar'), ('file_row', 'integer'), ('pull_id', 'varchar'),
        ('pulled_at', 'timestamptz'), ('quarantine_reason', 'varchar'),
    ]) }}
)

select
    versions.platform || ':' || versions.shop_key || ':' || versions.order_id as order_key,
    versions.* exclude (quarantine_reason),
    contacts.customer_id,
    contacts.receiver_name_masked,
    contacts.phone_masked,
    contacts.phone_valid,
    contacts.phone_region,
    contacts.province,
    contacts.city,
    contacts.district,
    contacts.postcode,
    contacts.postcode_valid,
    contacts.address_valid,
    contacts.remote_area,
    contacts.address_hash
from versions
left join {{ source('landing', 'order_contacts') }} as contacts
    on contacts.landing_file = versions.landing_file and contacts.file_row = versions.file_row
where versions.quarantine_reason is null
    and not exists (
        select 1 from {{ source('landing', 'quarantine') }} as q
        where q.stream = 'orders' and q.landing_file = versions.landing_file and q.file_row = versions.file_row
    )
