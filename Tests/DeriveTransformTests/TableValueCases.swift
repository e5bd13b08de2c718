@testable import DeriveTransform

/// Every value grammar of section 3.3, in canonical spelling.
let valueCases: [TableCase] =
    [
        // Sizes.
        "w_300", "h_200", "w_1", "w_0", "w_0.25", "h_0.75", "w_1.0", "w_auto", "w_auto:100", "w_auto:breakpoints",
        "w_iw", "h_ih", "w_iw_div_2", "h_ih_mul_0.5", "w_$w", "w_$size_add_10", "w_ow", "h_oh_sub_5",
        // Crop modes.
        "c_scale,w_120", "c_fit,h_100,w_100", "c_limit,h_400,w_400", "c_mfit,w_500", "c_fill,h_120,w_120",
        "c_lfill,h_100,w_100", "c_fill_pad,g_auto,h_100,w_100", "c_thumb,g_face,h_150,w_150", "c_lpad,h_300,w_400",
        "c_mpad,h_300,w_400", "c_auto,g_auto,h_200,w_200", "c_auto_pad,g_auto,h_200,w_200",
        "c_imagga_crop,h_100,w_100", "c_imagga_scale,w_100",
        // Gravity.
        "c_fill,g_north_west,h_100,w_100", "c_fill,g_north,h_100,w_100", "c_fill,g_north_east,h_100,w_100",
        "c_fill,g_west,h_100,w_100", "c_fill,g_center,h_100,w_100", "c_fill,g_east,h_100,w_100",
        "c_fill,g_south_west,h_100,w_100", "c_fill,g_south,h_100,w_100", "c_fill,g_south_east,h_100,w_100",
        "c_crop,g_xy_center,h_100,w_100,x_10,y_20", "g_auto", "g_auto:subject", "g_auto:classic", "g_auto:face",
        "g_auto:cat_avoid", "g_face", "g_faces", "g_face:center", "g_faces:center", "g_face:auto", "g_faces:auto",
        "g_custom", "g_custom:face", "g_custom:faces", "g_custom:adv_face", "g_custom:adv_faces", "g_adv_face",
        "g_adv_faces", "g_adv_eyes", "g_ocr_text", "c_scale,g_liquid,w_100",
        // Offsets, aspect ratio, zoom, dpr.
        "c_crop,h_100,w_100,x_10,y_20", "x_0.5,y_0.25", "x_-0.1", "x_$x,y_$y", "ar_1.5,c_crop",
        "ar_1:1,c_fill,g_auto,w_300",
        "ar_$ratio", "c_thumb,g_face,h_150,w_150,z_0.75", "z_2", "dpr_2", "dpr_1.5", "c_scale,dpr_2.0,w_100",
        "dpr_$d",
        // Quality and format.
        "q_80", "q_1", "q_100", "q_80:420", "q_60:422", "q_auto", "q_auto:best", "q_auto:good", "q_auto:low", "q_$q",
        "q_$q_mul_2", "f_jpg", "f_bmp", "f_webp", "f_avif", "f_gif", "f_jpeg", "f_heic", "f_jxl", "f_mp4",
        // Radius and angles.
        "r_20", "r_max", "r_10:20", "r_10:20:30", "r_$r", "a_90", "a_-45", "a_auto_right", "a_auto_left", "a_ignore",
        "a_vflip", "a_hflip", "a_vflip.hflip", "a_12.5", "a_12.5.hflip", "a_$angle", "a_iw_div_10",
        // Effects.
        "e_grayscale", "e_sepia", "e_blur", "e_blur:300", "e_sharpen", "e_sharpen:100", "e_brightness:-20",
        "e_contrast:50", "e_saturation:-50", "e_negate", "e_pixelate", "e_pixelate:20", "co_rgb:ff0000,e_colorize:40",
        "e_trim", "e_trim:10", "e_shadow", "e_improve", "e_improve:outdoor", "e_improve:indoor:50", "e_art:zorro",
        "e_cartoonify", "e_vignette:30", "e_oil_paint:40", "e_outline:inner:15:200", "e_replace_color:red:50:blue",
        "e_gradient_fade", "e_gradient_fade:symmetric_pad", "e_tint:equalize:80:red:blue", "e_make_transparent:10",
        "e_auto_brightness", "e_auto_contrast", "e_auto_color", "e_background_removal", "e_unsharp_mask:500",
        "e_vibrance:70", "e_gamma:50", "e_hue:40", "e_blur_faces:500", "e_pixelate_faces:3", "e_red:50", "e_loop",
        "e_loop:2", "e_gen_remove:prompt_dog", "e_blur:$amount", "e_upscale", "e_fill_light:70:20",
        // Opacity, borders, backgrounds, colours.
        "o_50", "o_0", "o_100", "o_$op", "bo_1px_solid_red", "bo_5px_solid_black", "bo_2px_solid_rgb:ff000080",
        "bo_4px_solid_$c", "b_red", "b_rgb:ff000080", "b_auto", "b_auto:border", "b_auto:border_contrast",
        "b_blurred", "b_blurred:400:15", "b_gen_fill", "b_transparent", "b_$bg", "co_blue", "co_rgb:0f0",
        "co_rgb:0f08", "co_White", "co_rebeccapurple",
        // Layers.
        "l_logo", "l_logo.png", "l_folder:sub:logo", "l_text:Arial_40:Hello%20world",
        "l_text:Arial_40_bold_italic_underline:A%2C%20B", "l_text:my_style:Hi", "l_lut:iwltbap_aspen.3dl",
        "u_bg,w_100", "u_folder:bg", "l_logo/c_scale,w_50/fl_layer_apply,g_north_east,x_10,y_10",
        "l_logo/fl_layer_apply.relative,g_center", "l_a/l_b/fl_layer_apply/fl_layer_apply",
        // Flags.
        "fl_progressive", "fl_lossy", "fl_attachment", "fl_awebp", "fl_png8", "fl_strip_profile", "fl_keep_iptc",
        "fl_preserve_transparency", "fl_ignore_aspect_ratio", "fl_immutable_cache", "fl_no_overflow", "fl_relative",
        "fl_progressive:semi", "fl_getinfo", "fl_animated.awebp",
        // Named, default image, page, density, colour space, delay, prefix, custom functions.
        "t_sc_thumb", "c_fill,t_thumb,w_100", "d_folder:avatar.png", "pg_1", "pg_1;3;5", "pg_-1",
        "pg_name:record_cover",
        "dn_72", "cs_srgb", "cs_no_cmyk", "cs_keep_cmyk", "cs_tinysrgb", "dl_100", "p_my_prefix",
        "fn_wasm:my_example.wasm",
        // Conditions and variables.
        "if_w_gt_100,c_scale,w_50", "if_fc_gt_0,c_thumb,g_faces,h_100,w_100", "if_iw_gt_ih,a_90",
        "if_!sale!_in_tags,e_grayscale", "if_!sale:clearance!_nin_tags,e_sepia",
        "if_ctx:!productType!_eq_!shoes!,w_100", "if_w_lte_200_or_h_gte_300,c_pad,h_300,w_300", "if_pc_gt_1,pg_2",
        "if_w_ne_100,w_100", "if_$w_gt_100,w_$w", "if_ar_lt_1.0/a_90/if_end",
        "if_w_gt_100/if_h_gt_100/e_sepia/if_end/if_else/e_grayscale/if_end", "$img_!sample!",
        "$small_150,$big_$small_mul_1.5/c_fill,h_$big,w_$small", "$w_iw_mul_0.5,w_$w", "$x_10_pow_2", "$m_7_mod_3",
        "$d_iw_sub_ih_div_2",
    ].map { same($0) }
