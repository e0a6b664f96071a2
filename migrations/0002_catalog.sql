-- The catalog of PRODUCT.md.  Prices in cents.
INSERT INTO products (code, name, description, price_cents, hardware, epcs,
    validity_months, position) VALUES
('epcs-hardware', 'IGC Basic Assurance Unaffiliated Hardware - EPCS Prescribing',
 'Two-factor EPCS certificate; the key is generated on a hardware token.',
 10900, true, true, 24, 1),
('identity-software', 'IGC Basic Assurance Unaffiliated Software - Identity Proofing Only',
 'Identity proofing for non-EPCS users; no token.',
 9900, false, false, 24, 2);

INSERT INTO storage_options (code, product, name, price_cents, new_token,
    position) VALUES
('new-token', 'epcs-hardware', 'HID USB Token (new registrants)', 6800, true, 1),
('existing-token', 'epcs-hardware', 'Use an existing token', 0, false, 2),
('software', 'identity-software', 'Software (no token)', 0, false, 3);

INSERT INTO shipping_options (code, name, price_cents, international,
    position) VALUES
('usps', 'USPS First-Class within the U.S.', 0, false, 1),
('usps-express', 'USPS Priority Mail Express within the U.S.', 2995, false, 2),
('international', 'International shipping (outside the U.S.)', 4995, true, 3);

INSERT INTO tax_rates (state, rate_bp) VALUES
('CA', 725), ('CO', 290), ('FL', 600), ('TX', 625), ('UT', 610), ('VA', 530);
